package dev.thoughtline.question.rest;

import dev.thoughtline.support.ApiException;
import java.util.Map;

/**
 * Import rows of a split from the Hugging Face datasets server.
 *
 * @param offset first row (default 0)
 * @param limit  rows to read at most (default: to the end of the split)
 * @param fields field mapping, as for NDJSON imports
 */
public record HuggingFaceImportRequest(String dataset, String config, String split, Long offset, Long limit,
                                       Map<String, String> fields) {

    public void validate() {
        if (blank(dataset) || blank(config) || blank(split)) {
            throw ApiException.badRequest("dataset, config and split are required (e.g. openai/gsm8k, main, train)");
        }
        for (String name : new String[] {dataset, config, split}) {
            if (name.length() > 200 || name.chars().anyMatch(Character::isISOControl)) {
                throw ApiException.badRequest("dataset, config and split are names: at most 200 characters, without control characters");
            }
        }
        if (offset != null && offset < 0) {
            throw ApiException.badRequest("offset must be 0 or more");
        }
        if (limit != null && limit < 1) {
            throw ApiException.badRequest("limit must be 1 or more");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
