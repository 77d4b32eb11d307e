package dev.thoughtline.question.repository;

import dev.thoughtline.question.Api;
import dev.thoughtline.question.ImportRun;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Import runs against the real PostgreSQL: one worker at a time may write a run. */
@QuarkusTest
class ImportRunRepositoryTest {

    @Inject
    ImportRunRepository runs;

    private static ImportRunRepository.Progress progress(long received, ImportRun.Status status) {
        return new ImportRunRepository.Progress(received, received, 0, 0, "[]", Long.toString(received), status, null);
    }

    @Test
    void aResumedRunRefusesTheWritesOfItsFormerWorker() {
        long source = Api.source(Api.unique("claims"), "math");
        ImportRunRepository.Claim first = runs.create(source, ImportRun.Kind.HUGGINGFACE, "{}", "0").await().indefinitely();
        runs.save(first, progress(100, ImportRun.Status.RUNNING)).await().indefinitely();

        assertThat(runs.claimForResume(first.id(), Duration.ofMinutes(10)).await().indefinitely())
                .as("a running run that is not stale stays with its worker").isNull();
        runs.save(first, progress(100, ImportRun.Status.FAILED)).await().indefinitely();

        ImportRunRepository.Claim second = runs.claimForResume(first.id(), Duration.ofMinutes(10)).await().indefinitely();
        assertThat(second).isNotNull();
        assertThat(second.worker()).isNotEqualTo(first.worker());
        assertThatThrownBy(() -> runs.save(first, progress(300, ImportRun.Status.COMPLETE)).await().indefinitely())
                .isInstanceOf(ImportRunRepository.Superseded.class);
        runs.save(second, progress(200, ImportRun.Status.COMPLETE)).await().indefinitely();

        assertThat(runs.claimForResume(first.id(), Duration.ZERO).await().indefinitely())
                .as("a complete run cannot be resumed").isNull();
    }

    @Test
    void aRunSilentForTooLongCanBeTakenOver() throws Exception {
        long source = Api.source(Api.unique("stale"), "math");
        ImportRunRepository.Claim first = runs.create(source, ImportRun.Kind.DATASET, "{}", null).await().indefinitely();
        Thread.sleep(50);
        ImportRunRepository.Claim taken = runs.claimForResume(first.id(), Duration.ofMillis(10)).await().indefinitely();
        assertThat(taken).isNotNull();
        assertThatThrownBy(() -> runs.save(first, progress(1, ImportRun.Status.RUNNING)).await().indefinitely())
                .isInstanceOf(ImportRunRepository.Superseded.class);
    }
}
