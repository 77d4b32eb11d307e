package dev.thoughtline.eval.rest;

import java.util.List;

/** A model under test: served by the generation-service teacher {@code teacher}, trained on {@code trainedOn}. */
public record ModelRequest(String name, String teacher, List<String> trainedOn, String description) {
}
