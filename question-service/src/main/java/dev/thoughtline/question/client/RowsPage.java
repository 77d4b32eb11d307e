package dev.thoughtline.question.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** One page of the datasets server's rows API; fields it sends that we do not use are ignored. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RowsPage(List<Row> rows, @JsonProperty("num_rows_total") Long numRowsTotal) {

    /** One row: its index in the split and its cells by column name. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Row(@JsonProperty("row_idx") long rowIdx, JsonNode row) {
    }
}
