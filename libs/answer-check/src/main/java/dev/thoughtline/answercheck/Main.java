package dev.thoughtline.answercheck;

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
 * {@code "error"}; the run goes on.
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
            fields = Json.object(line);
        } catch (IllegalArgumentException e) {
            return "{\"verdict\":\"unknown\",\"extracted\":null,\"error\":" + Json.quote("not a JSON object: " + e.getMessage()) + "}";
        }
        String gold = fields.get("gold");
        String prediction = fields.get("prediction");
        if (gold == null || prediction == null) {
            return "{\"verdict\":\"unknown\",\"extracted\":null,\"error\":\"gold and prediction are required\"}";
        }
        AnswerChecker.Result r = AnswerChecker.check(gold, prediction, AnswerType.of(fields.get("answerType")));
        Extraction e = r.extraction();
        return "{\"verdict\":\"" + r.verdict().jsonName() + "\",\"extracted\":" + (e.found() ? Json.quote(e.answer()) : "null")
                + ",\"source\":\"" + e.source().jsonName() + "\"}";
    }

    /** Just enough JSON for flat objects: string, number, boolean and null members; nested values are skipped. */
    static final class Json {

        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Map<String, String> object(String line) {
            Json j = new Json(line);
            Map<String, String> out = new HashMap<>();
            j.space();
            j.expect('{');
            j.space();
            if (j.peek() == '}') {
                j.i++;
                j.end();
                return out;
            }
            while (true) {
                j.space();
                String key = j.string();
                j.space();
                j.expect(':');
                j.space();
                out.put(key, j.value());
                j.space();
                char c = j.next();
                if (c == '}') {
                    j.end();
                    return out;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected , or } at " + (j.i - 1));
                }
            }
        }

        private void end() {
            space();
            if (i < s.length()) {
                throw new IllegalArgumentException("trailing characters at " + i);
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
            }
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private String value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '{' || c == '[') {
                skipNested();
                return null;
            }
            int start = i;
            while (i < s.length() && ",}] \t".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String literal = s.substring(start, i);
            if (literal.equals("null")) {
                return null;
            }
            if (literal.equals("true") || literal.equals("false") || literal.matches("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?")) {
                return literal;
            }
            throw new IllegalArgumentException("bad value at " + start);
        }

        private void skipNested() {
            int depth = 0;
            do {
                char c = next();
                if (c == '"') {
                    i--;
                    string();
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                }
            } while (depth > 0);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw new IllegalArgumentException("bad escape at " + i);
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw new IllegalArgumentException("bad escape at " + i);
                        }
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }

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
}
