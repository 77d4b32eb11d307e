package dev.thoughtline.question.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextNormalizerTest {

    @Test
    void appliesNfkcAndTidiesLineEndsButKeepsIndentation() {
        assertThat(TextNormalizer.normalize("\uFF21\uFF42\uFF43 \u2460 x\u00B2 \uFB01")).isEqualTo("Abc 1 x2 fi");
        assertThat(TextNormalizer.normalize("  def f():  \r\n      return 1\t\r\n\r\n")).isEqualTo("def f():\n      return 1");
        assertThat(TextNormalizer.normalize("plain ascii stays")).isEqualTo("plain ascii stays");
        assertThat(TextNormalizer.normalize(" \n\t ")).isEmpty();
    }

    @Test
    void theDedupKeyIgnoresWhitespaceRunsButNotWordsOrCase() {
        assertThat(TextNormalizer.hash("What is 2 + 2?")).isEqualTo(TextNormalizer.hash("What  is\n2 +\t2?"));
        assertThat(TextNormalizer.hash("What is 2 + 2?")).isNotEqualTo(TextNormalizer.hash("What is 2+2?"));
        assertThat(TextNormalizer.hash("What is 2 + 2?")).isNotEqualTo(TextNormalizer.hash("what is 2 + 2?"));
        assertThat(TextNormalizer.hash("\u00E9t\u00E9")).isEqualTo(TextNormalizer.hash("\u00E9t\u00E9"))
                .isNotEqualTo(TextNormalizer.hash("ete"));
    }

    @Test
    void nonAsciiKeysDoNotCollideWithAsciiLookAlikes() {
        // 'Ā' (U+0100) must not hash like any ASCII byte sequence
        assertThat(TextNormalizer.hash("\u0100")).isNotEqualTo(TextNormalizer.hash("\u0001\u0000"));
        assertThat(TextNormalizer.hash("a".repeat(5000) + "\u4E2D")).isNotEqualTo(TextNormalizer.hash("a".repeat(5000)));
    }
}
