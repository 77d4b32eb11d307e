package dev.thoughtline.contracts;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Newline-delimited JSON, the wire format of dataset items: one JSON object per line, UTF-8.
 * {@link Writer} writes items one by one; {@link Reader} reads them one by one.
 */
public final class Ndjson {

    /** The media type of dataset pages and bulk uploads. */
    public static final String MEDIA_TYPE = "application/x-ndjson";

    /** Lines longer than this are rejected by readers unless they choose otherwise. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private Ndjson() {
    }

    /** Writes one JSON value per line. Not thread-safe. */
    public static final class Writer implements Flushable, Closeable {
        private final JsonGenerator generator;
        private final ObjectMapper mapper;

        public Writer(ObjectMapper mapper, OutputStream out) {
            this.mapper = mapper;
            try {
                this.generator = mapper.getFactory().createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            generator.setRootValueSeparator(null);
        }

        /** The generator positioned between lines, for callers that write an item field by field. */
        public JsonGenerator generator() {
            return generator;
        }

        public void write(Object item) throws IOException {
            mapper.writeValue(generator, item);
            endLine();
        }

        /** Ends an item written directly with {@link #generator()}. */
        public void endLine() throws IOException {
            generator.writeRaw('\n');
        }

        @Override
        public void flush() throws IOException {
            generator.flush();
        }

        @Override
        public void close() throws IOException {
            generator.close();
        }
    }

    /**
     * Reads one JSON object per line; blank lines are skipped. A malformed line fails with
     * {@link NdjsonException} naming the line, since a dataset page written by a service is never partly good.
     */
    public static final class Reader implements Iterator<JsonNode> {
        private final ObjectMapper mapper;
        private final LineReader lines;
        private JsonNode next;

        public Reader(ObjectMapper mapper, InputStream in) {
            this(mapper, in, DEFAULT_MAX_LINE_BYTES);
        }

        public Reader(ObjectMapper mapper, InputStream in, int maxLineBytes) {
            this.mapper = mapper;
            this.lines = new LineReader(in, maxLineBytes);
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            try {
                LineReader.Line line;
                do {
                    line = lines.next();
                    if (line == null) {
                        return false;
                    }
                } while (!line.tooLong() && line.isBlank());
                if (line.tooLong()) {
                    throw new NdjsonException(line.number(), "line is longer than the limit");
                }
                int bad = Utf8.firstInvalid(line.bytes(), 0, line.length());
                if (bad >= 0) {
                    throw new NdjsonException(line.number(), "invalid UTF-8 at byte " + (bad + 1));
                }
                JsonNode node;
                try {
                    node = mapper.readTree(line.bytes(), 0, line.length());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new NdjsonException(line.number(), "malformed JSON: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) {
                    throw new NdjsonException(line.number(), "not a JSON object");
                }
                next = node;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public JsonNode next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            JsonNode n = next;
            next = null;
            return n;
        }
    }

    /** A line of NDJSON that could not be read. */
    public static final class NdjsonException extends RuntimeException {
        private final long line;

        public NdjsonException(long line, String reason) {
            super("line " + line + ": " + reason);
            this.line = line;
        }

        public long line() {
            return line;
        }
    }
}
