package dev.thoughtline.filter.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * {@code POST /filter-runs}: a named run of steps over one input dataset.
 *
 * @param name  unique; posting the same request again answers the existing run (a recipe resumes), a different
 *              request under a taken name is a 409
 * @param input the DatasetRef to filter
 * @param steps applied in order, each to what the earlier ones kept
 */
public record FilterRunRequest(String name, String input, List<Step> steps) {

    /**
     * One step: its type, an optional name for its score (the type by default), its parameters, and which of the
     * items it scored to keep.
     */
    public record Step(String type, String name, JsonNode params, Keep keep) {
    }

    /**
     * Selection by score among the items a step kept: at most one of {@code topN}, {@code topFraction} and
     * {@code threshold}; {@code order} {@code desc} (default: high scores are best) or {@code asc}. Ties are
     * broken by input order.
     */
    public record Keep(Integer topN, Double topFraction, Double threshold, String order) {
    }
}
