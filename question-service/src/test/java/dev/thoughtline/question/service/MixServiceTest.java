package dev.thoughtline.question.service;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MixServiceTest {

    @Test
    void largestRemainderSplitsExactlyAndFavoursTheLargestRemainders() {
        assertThat(MixService.largestRemainder(100, List.of(2.0, 1.0))).containsExactly(67, 33);
        assertThat(MixService.largestRemainder(10, List.of(1.0, 1.0, 1.0))).containsExactly(4, 3, 3);
        assertThat(MixService.largestRemainder(7, List.of(0.5, 0.25, 0.25))).containsExactly(3, 2, 2);
        assertThat(MixService.largestRemainder(0, List.of(1.0))).containsExactly(0);
        assertThat(MixService.largestRemainder(10, List.of(1e308, 1e308))).containsExactly(5, 5);
        assertThat(MixService.largestRemainder(1L << 40, List.of(1.0, 1.0, 1.0))).satisfies(a -> assertThat(a[0] + a[1] + a[2]).isEqualTo(1L << 40));
        long[] big = MixService.largestRemainder(31_600, List.of(0.3, 0.3, 0.4));
        assertThat(big[0] + big[1] + big[2]).isEqualTo(31_600);
    }
}
