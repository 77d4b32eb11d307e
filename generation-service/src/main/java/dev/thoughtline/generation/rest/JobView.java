package dev.thoughtline.generation.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A job and its progress.
 *
 * @param dataset         the DatasetRef of its trace dataset
 * @param total           samples asked so far (items loaded times samples per item)
 * @param done            samples stored, {@code cached} of them from the request cache
 * @param pending         samples waiting in the queue; {@code inFlight}: claimed by a worker
 * @param requests        requests sent to the teacher, {@code failedRequests} of them failed (and were retried or failed their task)
 * @param cost            US dollars at the teacher's prices, for the tokens of requests actually made
 * @param tokensPerSecond completion tokens per second since the job started
 * @param etaSeconds      the time left at the rate so far; null before any sample is stored or once it ended
 * @param teacherCircuit  the teacher's circuit breaker in the replica that answered ({@code closed}, or {@code open: last error})
 */
public record JobView(long id, String name, String status, String error, String teacher, String input, String dataset,
                      int samplesPerItem, boolean inputLoaded, long items, long total, long done, long cached, long failed,
                      long pending, long inFlight, long requests, long failedRequests, long promptTokens,
                      long completionTokens, double cost, double tokensPerSecond, Double etaSeconds, String teacherCircuit,
                      String promptTemplate, String systemPrompt, JsonNode params, Instant createdAt, Instant startedAt,
                      Instant finishedAt) {
}
