package dev.thoughtline.support;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The backoff's waits and the reading of Retry-After (the retrying itself is tested through the clients that use it). */
class RetriesTest {

    private static final Retries.Settings SETTINGS = new Retries.Settings(20, Duration.ofMinutes(2), Duration.ofMillis(500), Duration.ofSeconds(10));

    @Test
    void waitsDoubleFromTheFirstBackoffWithJitterUpToTheLongestWait() {
        for (int run = 0; run < 200; run++) {
            Retries.Backoff backoff = new Retries.Backoff(SETTINGS, System.nanoTime());
            long full = 500;
            for (int retry = 0; retry < 10; retry++) {
                long delay = backoff.nextDelayInMillis(new Retries.Transient("down", null));
                // equal jitter: between half and all of the doubled delay
                assertThat(delay).isBetween(full / 2, full);
                full = Math.min(10_000, full * 2);
            }
        }
    }

    @Test
    void jitterSpreadsClientsThatFailedTogether() {
        java.util.Set<Long> firstWaits = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            firstWaits.add(new Retries.Backoff(SETTINGS, System.nanoTime()).nextDelayInMillis(new Retries.Transient("down", null)));
        }
        assertThat(firstWaits).hasSizeGreaterThan(10);
    }

    @Test
    void aRetryAfterLongerThanTheBackoffIsWaitedInFull() {
        Retries.Backoff backoff = new Retries.Backoff(SETTINGS, System.nanoTime());
        assertThat(backoff.nextDelayInMillis(new Retries.Transient("busy", Duration.ofSeconds(7)))).isEqualTo(7_000);
        // a shorter one does not shorten the backoff
        assertThat(backoff.nextDelayInMillis(new Retries.Transient("busy", Duration.ofMillis(1)))).isBetween(500L, 1_000L);
    }

    @Test
    void noWaitReachesPastTheCallsTimeBudget() {
        Retries.Settings tight = new Retries.Settings(20, Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(10));
        Retries.Backoff backoff = new Retries.Backoff(tight, System.nanoTime());
        assertThat(backoff.nextDelayInMillis(new Retries.Transient("down", null))).isLessThanOrEqualTo(3_000);
        Retries.Backoff spent = new Retries.Backoff(tight, System.nanoTime() - Duration.ofSeconds(5).toNanos());
        assertThat(spent.nextDelayInMillis(new Retries.Transient("down", null))).isZero();
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        Clock clock = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);
        assertThat(Retries.retryAfter("3", clock)).isEqualTo(Duration.ofSeconds(3));
        assertThat(Retries.retryAfter(" 0 ", clock)).isEqualTo(Duration.ZERO);
        assertThat(Retries.retryAfter("Sat, 01 Mar 2025 12:00:30 GMT", clock)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Retries.retryAfter("Sat, 01 Mar 2025 11:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(Retries.retryAfter(null, clock)).isNull();
        assertThat(Retries.retryAfter("soon", clock)).isNull();
        assertThat(Retries.retryAfter("-5", clock)).isNull();
        assertThat(Retries.retryAfter("99999999999999999999999", clock)).isNull();
    }
}
