package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/** An item of a question dataset. {@code answer} is the reference answer, when the source has one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuestionItem(
        String id,
        String text,
        Domain domain,
        String source,
        String answer,
        Map<String, Object> metadata) {
}
