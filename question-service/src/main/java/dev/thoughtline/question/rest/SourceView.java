package dev.thoughtline.question.rest;

import dev.thoughtline.contracts.Domain;
import dev.thoughtline.question.Origin;

import java.time.Instant;

/** A source as the API shows it, with how many distinct questions it holds and how many repeats it sent. */
public record SourceView(long id, String name, Domain domain, Origin origin, String license, String description,
                         Double quality, long questions, long duplicates, Instant createdAt) {
}
