package dev.thoughtline.eval.rest;

import java.time.OffsetDateTime;
import java.util.List;

public record ModelView(long id, String name, String teacher, List<String> trainedOn, String description, OffsetDateTime createdAt) {
}
