package dev.thoughtline.generation.rest;

/** What a teacher has cost over all its jobs: requests, tokens and US dollars at its prices. */
public record TeacherUsage(long teacherId, String teacher, long jobs, long requests, long failedRequests, long promptTokens,
                           long completionTokens, double cost, long samples, long cachedSamples, long failedSamples) {
}
