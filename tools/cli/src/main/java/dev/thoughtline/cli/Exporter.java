package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes trace datasets (or filtered views of them) as training data, one JSON line per trace:
 * <ul>
 *   <li>{@code sharegpt}, the columns of the published OpenThoughts3 data: {@code conversations} [{from: human, value:
 *   question}, {from: gpt, value: "<think>\nreasoning\n</think>\n\nsolution"}], {@code source}, {@code domain},
 *   {@code difficulty} (the llm-difficulty score, when a filter gave one), {@code teacher}, {@code sample_index};</li>
 *   <li>{@code openai}: {@code messages} [{role: user}, {role: assistant}] with the same two texts, plus the same
 *   columns.</li>
 * </ul>
 * The file is written beside its final name and moved there at the end, so a broken export never looks complete.
 */
final class Exporter {

    private final Http http;
    private final ObjectMapper mapper;

    Exporter(Http http, ObjectMapper mapper) {
        this.http = http;
        this.mapper = mapper;
    }

    long export(List<String> datasets, String format, Path out) {
        if (!format.equals("sharegpt") && !format.equals("openai")) {
            throw new CliException("unknown export format '" + format + "': use sharegpt or openai");
        }
        long[] n = {0};
        try {
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".export-", ".part");
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (String ref : datasets) {
                    http.items(ref, trace -> {
                        try {
                            w.write(mapper.writeValueAsString(row(trace, format)));
                            w.write('\n');
                            n[0]++;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UncheckedIOException e) {
            throw new CliException("cannot write " + out + ": " + e.getMessage());
        }
        return n[0];
    }

    ObjectNode row(JsonNode trace, String format) {
        if (!trace.has("questionId") || !trace.has("content")) {
            throw new CliException("item " + trace.path("id").asText() + " is not a trace: only trace datasets (or their filtered views) export");
        }
        String reasoning = trace.path("reasoning").asText("");
        String answer = (reasoning.isBlank() ? "" : "<think>\n" + reasoning.strip() + "\n</think>\n\n") + trace.path("content").asText("").strip();
        JsonNode meta = trace.path("metadata");
        ObjectNode row = mapper.createObjectNode();
        ArrayNode turns = row.putArray(format.equals("sharegpt") ? "conversations" : "messages");
        if (format.equals("sharegpt")) {
            turns.addObject().put("from", "human").put("value", trace.path("text").asText());
            turns.addObject().put("from", "gpt").put("value", answer);
        } else {
            turns.addObject().put("role", "user").put("content", trace.path("text").asText());
            turns.addObject().put("role", "assistant").put("content", answer);
        }
        row.put("source", meta.path("source").asText(null));
        row.put("domain", meta.path("domain").asText(null));
        JsonNode difficulty = meta.path("scores").path("llm-difficulty");
        if (difficulty.isNumber()) {
            row.put("difficulty", difficulty.asDouble());
        } else {
            row.putNull("difficulty");
        }
        row.put("teacher", trace.path("teacher").asText(null));
        row.put("sample_index", trace.path("sampleIndex").asInt());
        row.put("question_id", trace.path("questionId").asText());
        return row;
    }
}
