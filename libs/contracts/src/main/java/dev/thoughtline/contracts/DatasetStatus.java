package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A dataset is immutable once {@link #COMPLETE}. */
public enum DatasetStatus {
    @JsonProperty("building") BUILDING,
    @JsonProperty("complete") COMPLETE,
    @JsonProperty("failed") FAILED
}
