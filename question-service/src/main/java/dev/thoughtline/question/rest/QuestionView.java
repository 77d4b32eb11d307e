package dev.thoughtline.question.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.contracts.Domain;

import java.util.List;

/** A stored question and every time it was offered again (by any source) and not stored twice. */
public record QuestionView(long id, String text, String answer, Domain domain, long sourceId, String source,
                           String externalId, JsonNode metadata, List<Repeat> duplicates) {

    /** One repeat: which source sent it, in which import and on which line. */
    public record Repeat(long sourceId, String source, long importId, long line, String externalId) {
    }
}
