package dev.thoughtline.eval;

/** One benchmark of a run: its generation job and, once scored, its metrics (JSON). */
public record EvalResult(long runId, long benchmarkId, String benchmark, Long jobId, String status, String metrics) {
}
