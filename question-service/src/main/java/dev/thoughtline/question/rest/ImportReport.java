package dev.thoughtline.question.rest;

import dev.thoughtline.contracts.LineError;

import java.util.List;

/**
 * The answer to an NDJSON import: every non-blank line is counted once as imported, duplicate or
 * rejected. {@code errors} lists the first rejected lines (1-based) with the reason;
 * {@code errorsTruncated} says the list was cut.
 */
public record ImportReport(long importId, long source, long received, long imported, long duplicates, long rejected,
                           List<LineError> errors, boolean errorsTruncated) {
}
