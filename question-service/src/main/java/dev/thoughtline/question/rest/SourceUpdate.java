package dev.thoughtline.question.rest;

/** Changes a source's descriptive fields; absent fields stay as they are. Questions never change. */
public record SourceUpdate(Double quality, String license, String description) {
}
