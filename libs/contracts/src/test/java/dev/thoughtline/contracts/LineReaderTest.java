package dev.thoughtline.contracts;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineReaderTest {

    private static List<String> read(String input, int max) throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), max);
        List<String> out = new ArrayList<>();
        LineReader.Line l;
        while ((l = r.next()) != null) {
            out.add(l.number() + ":" + (l.tooLong() ? "TOO_LONG" : new String(l.bytes(), 0, l.length(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void splitsOnNewlinesAndCrlfAndKeepsALastLineWithoutNewline() throws IOException {
        assertThat(read("a\r\nb\n\nc", 100)).containsExactly("1:a", "2:b", "3:", "4:c");
    }

    @Test
    void reportsALineOverTheLimitAndGoesOnWithTheNext() throws IOException {
        String longLine = "x".repeat(200_000);
        assertThat(read("ok\n" + longLine + "\nafter\n", 1000)).containsExactly("1:ok", "2:TOO_LONG", "3:after");
    }

    @Test
    void acceptsALineOfExactlyTheLimitEvenWithCrlf() throws IOException {
        String line = "y".repeat(1000);
        assertThat(read(line + "\r\n" + line + "z\n", 1000)).containsExactly("1:" + line, "2:TOO_LONG");
    }

    @Test
    void theLargestLimitDoesNotOverflow() throws IOException {
        assertThat(read("a\nbc\n", Integer.MAX_VALUE)).containsExactly("1:a", "2:bc");
    }

    @Test
    void emptyInputHasNoLines() throws IOException {
        assertThat(read("", 10)).isEmpty();
    }
}
