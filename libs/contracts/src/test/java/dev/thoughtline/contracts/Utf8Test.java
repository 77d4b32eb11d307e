package dev.thoughtline.contracts;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {

    private static int check(byte... b) {
        return Utf8.firstInvalid(b, 0, b.length);
    }

    @Test
    void acceptsAsciiAndMultiByteText() {
        byte[] b = "plain, é, ∑, 𝔸 and 中文".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.firstInvalid(b, 0, b.length)).isEqualTo(-1);
    }

    @Test
    void rejectsStrayContinuationTruncatedOverlongAndSurrogateBytes() {
        assertThat(check((byte) 'a', (byte) 0x80)).isEqualTo(1);
        assertThat(check((byte) 0xE2, (byte) 0x82)).isEqualTo(0);
        assertThat(check((byte) 0xC0, (byte) 0xAF)).isEqualTo(0);
        assertThat(check((byte) 0xE0, (byte) 0x80, (byte) 0xAF)).isEqualTo(0);
        assertThat(check((byte) 0xED, (byte) 0xA0, (byte) 0x80)).isEqualTo(0);
        assertThat(check((byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80)).isEqualTo(0);
        assertThat(check((byte) 'o', (byte) 'k', (byte) 0xFF)).isEqualTo(2);
    }
}
