package dev.thoughtline.generation.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The request cache's key of a sample: SHA-256 of the teacher's model, the sampling parameters (canonical
 * JSON, keys sorted), the system prompt, the rendered prompt and the sample index. Two jobs that ask a
 * model the same thing with the same parameters share their samples, whatever the jobs are called.
 */
public final class CacheKeys {

    private CacheKeys() {
    }

    public static byte[] of(String model, String canonicalParams, String systemPrompt, String prompt, int sampleIndex) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // each part is length-prefixed, so no two different tuples share a byte string
        part(sha, model);
        part(sha, canonicalParams);
        part(sha, systemPrompt == null ? "\u0000none" : systemPrompt);
        part(sha, prompt);
        part(sha, Integer.toString(sampleIndex));
        return sha.digest();
    }

    private static void part(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(b);
    }
}
