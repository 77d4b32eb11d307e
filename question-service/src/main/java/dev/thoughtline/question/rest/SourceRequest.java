package dev.thoughtline.question.rest;

import dev.thoughtline.contracts.Domain;
import dev.thoughtline.question.Origin;

/** Registers a question source. {@code quality} is optional: a score from the user's ablations. */
public record SourceRequest(String name, Domain domain, Origin origin, String license, String description, Double quality) {

    public void validate() {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is required");
        }
        if (name.length() > 200) {
            throw ApiException.badRequest("name is longer than 200 characters");
        }
        if (name.chars().allMatch(Character::isDigit)) {
            throw ApiException.badRequest("name cannot be all digits: mixes accept a source's id or its name");
        }
        if (domain == null) {
            throw ApiException.badRequest("domain is required: math, code, science or other");
        }
        if (origin == null) {
            throw ApiException.badRequest("origin is required: synthetic, semi-synthetic or human");
        }
        if (quality != null && (quality.isNaN() || quality.isInfinite())) {
            throw ApiException.badRequest("quality must be a finite number");
        }
    }
}
