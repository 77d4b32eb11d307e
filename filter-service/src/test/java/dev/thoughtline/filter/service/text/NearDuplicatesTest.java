package dev.thoughtline.filter.service.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NearDuplicatesTest {

    static String text(SplittableRandom rnd, int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            int len = 2 + rnd.nextInt(7);
            for (int k = 0; k < len; k++) {
                b.append((char) ('a' + rnd.nextInt(26)));
            }
            b.append(' ');
        }
        return b.toString().strip();
    }

    @Test
    void keepsTheFirstOfEachClusterAndPointsLaterCopiesAtIt() {
        SplittableRandom rnd = new SplittableRandom(11);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            texts.add(text(rnd, 60));
        }
        // a copy with one word changed at 20,000, and a copy of that copy at 20,001: both belong to document 5
        String copy = texts.get(5).replaceFirst("\\w+$", "zzz");
        texts.add(copy);
        texts.add(copy.replaceFirst("^\\w+", "Yyy"));
        List<NearDuplicates.Match> m = NearDuplicates.run(texts, NearDuplicates.Params.defaults());
        assertThat(m.subList(0, 20_000)).allMatch(NearDuplicates.Match::kept);
        assertThat(m.get(20_000).duplicateOf()).isEqualTo(5);
        assertThat(m.get(20_000).similarity()).isGreaterThanOrEqualTo(90);
        assertThat(m.get(20_001).duplicateOf()).isEqualTo(5);
    }

    @Test
    void theSameInputGivesTheSameVerdictsWhetherRunWholeOrInPieces() {
        SplittableRandom rnd = new SplittableRandom(2);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            texts.add(i % 10 == 9 ? texts.get(i - 5).replaceFirst("^\\w+", "changed") : text(rnd, 40));
        }
        List<NearDuplicates.Match> whole = NearDuplicates.run(texts, NearDuplicates.Params.defaults());
        NearDuplicates pieces = new NearDuplicates(NearDuplicates.Params.defaults(), 16);
        List<NearDuplicates.Match> stream = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += 77) {
            stream.addAll(pieces.next(texts.subList(from, Math.min(texts.size(), from + 77))));
        }
        assertThat(stream).isEqualTo(whole);
        assertThat(whole.stream().filter(x -> !x.kept()).count()).isEqualTo(300);
    }

    @Test
    void aSimilarityBelowTheThresholdIsNotADuplicate() {
        String a = "the quick brown fox jumps over the lazy dog near the river bank today";
        String b = "a slow green turtle walks under the busy bridge far from the sea bank";
        List<NearDuplicates.Match> m = NearDuplicates.run(List.of(a, b, a.toUpperCase() + "!"), NearDuplicates.Params.defaults());
        assertThat(m.get(1).kept()).isTrue();
        assertThat(m.get(2).duplicateOf()).isZero();
        assertThat(m.get(2).similarity()).isEqualTo(100);
    }

    @Test
    void parametersOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new NearDuplicates.Params(128, 5, 64, 4, 90, 1).validate()).hasMessageContaining("bands x rows");
        assertThatThrownBy(() -> new NearDuplicates.Params(128, 5, 32, 4, 0, 1).validate()).hasMessageContaining("threshold");
    }
}
