package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.eval.config.EvalConfig;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.GenerationClient;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.http.HttpClient;
import java.time.Duration;

/** generation-service, where eval runs sample; refused with a clear 422 when this eval-service has none configured. */
@ApplicationScoped
public class Generation {

    private final GenerationClient client;
    private final EvalConfig config;

    public Generation(EvalConfig config, HttpClient http, ObjectMapper mapper) {
        this.config = config;
        this.client = config.generationUrl().map(url -> new GenerationClient(url, http, mapper, config.generationClient())).orElse(null);
    }

    public GenerationClient client() {
        if (client == null) {
            throw ApiException.unprocessable("eval runs sample through generation-service, and this eval-service has none "
                    + "(set thoughtline.generation-url)");
        }
        return client;
    }

    /**
     * Waits for a job through its event stream and answers it complete. The run fails when the job fails or is
     * cancelled, when the run's timeout passes, and when the job makes no progress for {@code unreachable-after}
     * while its teacher's circuit breaker is open (the model's endpoint is down: the job is cancelled rather than
     * left waiting for ever). Blocking: on a run's driver thread.
     */
    public GenerationClient.Job await(GenerationClient.Job job, Runnable stillOurs) {
        GenerationClient gen = client();
        Stall stall = new Stall(gen, config.runs().unreachableAfter());
        stall.seen(job);
        GenerationClient.Job j = gen.await(job, config.runs().timeout(), seen -> {
            stillOurs.run();
            stall.seen(seen);
        });
        if (!j.finished()) {
            throw new EvalRunService.RunFailure("generation job " + j.id() + " did not finish within " + config.runs().timeout());
        }
        if (!j.status().equals("complete")) {
            throw new EvalRunService.RunFailure("generation job " + j.id() + " is " + j.status() + (j.error() == null ? "" : ": " + j.error()));
        }
        return j;
    }

    /** Watches the states of a job as they are read, for progress stalled behind an open circuit breaker. */
    private static final class Stall {
        private final GenerationClient gen;
        private final Duration limit;
        private long progress = -1;
        private long since = -1;

        Stall(GenerationClient gen, Duration limit) {
            this.gen = gen;
            this.limit = limit;
        }

        void seen(GenerationClient.Job j) {
            long now = System.nanoTime();
            long p = j.done() + j.failed();
            boolean open = !"closed".equals(j.teacherCircuit());
            if (!open) {
                since = -1;
            } else if (p != progress || since < 0) {
                since = now;
            } else if (now - since > limit.toNanos()) {
                try {
                    gen.cancel(j.id());
                } catch (GenerationClient.GenerationException ignored) {
                    // the run fails either way
                }
                throw new EvalRunService.RunFailure("the model's endpoint is unreachable: no answer for " + limit
                        + " and teacher " + j.teacherCircuit() + " (generation job " + j.id() + " cancelled)");
            }
            progress = p;
        }
    }
}
