package dev.thoughtline.question.repository;

import java.util.UUID;

/** A question ready to store: normalised, hashed, its metadata already JSON. */
public record Candidate(long line, UUID hash, String externalId, String text, String answer, String domain,
                        String metadataJson) {
}
