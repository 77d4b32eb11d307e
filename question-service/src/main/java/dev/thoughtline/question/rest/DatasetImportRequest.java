package dev.thoughtline.question.rest;

import dev.thoughtline.support.ApiException;
import dev.thoughtline.contracts.DatasetRef;

import java.util.Map;

/**
 * Import the items of any dataset that serves the contract, e.g. questions a teacher wrote in a
 * generation job ({@code fields: {text: content}}).
 */
public record DatasetImportRequest(String from, Map<String, String> fields) {

    public DatasetRef validate() {
        if (from == null || from.isBlank()) {
            throw ApiException.badRequest("from is required: the DatasetRef (URL) to import");
        }
        try {
            return DatasetRef.of(from);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
