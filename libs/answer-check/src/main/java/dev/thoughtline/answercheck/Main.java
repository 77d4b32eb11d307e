package dev.thoughtline.answercheck;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The command-line entry: NDJSON lines {@code {"gold": ..., "prediction": ..., "answerType"?: ...}} on stdin,
 * one line {@code {"verdict": "equal"|"different"|"unknown", "extracted": ..., "source": ...}} per input line
 * on stdout, in order. A line that is not such an object gets {@code "verdict": "unknown"} and an
 * {@code "error"}; the run goes on. Lines are read with jackson-core's streaming parser, the one dependency of
 * the library, used here alone (the runnable jar {@code target/answer-check-runner.jar} carries it).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.out.println("usage: java -jar answer-check.jar < checks.ndjson > verdicts.ndjson");
            System.out.println("input lines: {\"gold\": \"...\", \"prediction\": \"...\", \"answerType\": \"integer|expression|choice\"}");
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            out.write(answer(line));
            out.write('\n');
        }
        out.flush();
    }

    /** The output line for one input line. */
    static String answer(String line) {
        Map<String, String> fields;
        try {
            fields = object(line);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j
                    ? j.getOriginalMessage() + (j.getLocation() == null ? "" : " at column " + j.getLocation().getColumnNr())
                    : e.getMessage();
            return "{\"verdict\":\"unknown\",\"extracted\":null,\"error\":" + quote("not a JSON object: " + why) + "}";
        }
        String gold = fields.get("gold");
        String prediction = fields.get("prediction");
        if (gold == null || prediction == null) {
            return "{\"verdict\":\"unknown\",\"extracted\":null,\"error\":\"gold and prediction are required\"}";
        }
        AnswerChecker.Result r = AnswerChecker.check(gold, prediction, AnswerType.of(fields.get("answerType")));
        Extraction e = r.extraction();
        return "{\"verdict\":\"" + r.verdict().jsonName() + "\",\"extracted\":" + (e.found() ? quote(e.answer()) : "null")
                + ",\"source\":\"" + e.source().jsonName() + "\"}";
    }

    /**
     * Lines come from ad-hoc scripts as much as from JSON libraries: raw control characters and needless escapes
     * inside strings and leading zeros in numbers are read, not rejected. Reading is linear, so a line may be as
     * long and as deep as it is; numbers are kept as their text and never converted.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .enable(JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER)
            .enable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .build())
            .build();

    /**
     * The members of a flat JSON object: strings decoded, numbers and booleans as their text, null and nested values
     * as null (a member given twice: the last).
     */
    static Map<String, String> object(String line) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "expected an object");
            }
            Map<String, String> out = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    p.skipChildren();
                    out.put(name, null);
                } else {
                    out.put(name, value == JsonToken.VALUE_NULL ? null : p.getText());
                }
            }
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "trailing characters");
            }
            return out;
        }
    }

    /** A JSON string literal of {@code v}: quotes, backslashes and control characters escaped. */
    static String quote(String v) {
        StringBuilder b = new StringBuilder(v.length() + 2).append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
