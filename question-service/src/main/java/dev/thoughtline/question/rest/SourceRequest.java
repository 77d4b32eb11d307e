package dev.thoughtline.question.rest;

import dev.thoughtline.support.ApiException;
import dev.thoughtline.contracts.Domain;
import dev.thoughtline.question.Origin;

/** Registers a question source. {@code quality} is optional: a score from the user's ablations. */
public record SourceRequest(String name, Domain domain, Origin origin, String license, String description, Double quality) {

    public void validate() {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is required");
        }
        if (name.trim().length() > 200) {
            throw ApiException.badRequest("name is longer than 200 characters");
        }
        if (name.trim().chars().allMatch(Character::isDigit)) {
            throw ApiException.badRequest("name cannot be all digits: mixes accept a source's id or its name");
        }
        if (domain == null) {
            throw ApiException.badRequest("domain is required: math, code, science or other");
        }
        if (origin == null) {
            throw ApiException.badRequest("origin is required: synthetic, semi-synthetic or human");
        }
        for (String field : new String[] {name, license, description}) {
            if (field != null && field.indexOf('\0') >= 0) {
                throw ApiException.badRequest("name, license and description cannot contain NUL characters");
            }
        }
        if (quality != null && (quality.isNaN() || quality.isInfinite())) {
            throw ApiException.badRequest("quality must be a finite number");
        }
    }
}
