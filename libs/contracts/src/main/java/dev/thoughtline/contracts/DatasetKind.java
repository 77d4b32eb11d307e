package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the items of a dataset are. */
public enum DatasetKind {
    @JsonProperty("question") QUESTION,
    @JsonProperty("trace") TRACE,
    @JsonProperty("benchmark") BENCHMARK,
    /** A view of an upstream dataset: its items unchanged plus {@code scores}. */
    @JsonProperty("filtered") FILTERED
}
