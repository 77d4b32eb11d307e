package dev.thoughtline.generation.rest;

import java.time.Instant;

/**
 * A teacher as the API shows it. {@code apiKeyPresent} says whether this replica's environment holds the teacher key
 * variable {@code apiKeyEnv} names; the key itself never appears.
 */
public record TeacherView(long id, String name, String baseUrl, String model, String apiKeyEnv, boolean apiKeyPresent,
                          String cacheNamespace,
                          TeacherRequest.Defaults defaults, TeacherRequest.Limits limits, TeacherRequest.Pricing pricing,
                          boolean supportsN, Instant createdAt) {
}
