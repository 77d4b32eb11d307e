package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a worker needs of a job to ask its samples: the system prompt and the sampling parameters. Sample
 * {@code i} is sent with {@code seed = baseSeed + i}, so a job's samples differ from each other and a
 * repeated request is reproducible (and therefore cacheable).
 */
public record JobSpec(long id, String systemPrompt, ObjectNode params, long baseSeed) {

    /** The parameters of one request, starting at sample {@code firstSample}. */
    public java.util.Map<String, Object> requestParams(int firstSample) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        params.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        out.put("seed", baseSeed + firstSample);
        return out;
    }
}
