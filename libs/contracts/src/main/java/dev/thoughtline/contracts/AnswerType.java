package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a benchmark item's answer is compared. */
public enum AnswerType {
    @JsonProperty("integer") INTEGER,
    @JsonProperty("expression") EXPRESSION,
    @JsonProperty("choice") CHOICE
}
