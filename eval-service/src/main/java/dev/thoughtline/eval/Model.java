package dev.thoughtline.eval;

import java.time.OffsetDateTime;

/** A model under test: the teacher that serves it and the DatasetRefs it was trained on (a JSON array). */
public record Model(long id, String name, String teacher, String trainedOn, String description, OffsetDateTime createdAt) {
}
