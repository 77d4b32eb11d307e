package dev.thoughtline.question;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who wrote a source's questions. */
public enum Origin {
    @JsonProperty("synthetic") SYNTHETIC,
    @JsonProperty("semi-synthetic") SEMI_SYNTHETIC,
    @JsonProperty("human") HUMAN
}
