package dev.thoughtline.generation.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The request cache's key of a sample: SHA-256 of the teacher's cache scope (its endpoint and cache namespace,
 * {@link dev.thoughtline.generation.Teacher#cacheScope}) and of the digest of the teacher's model, the sampling
 * parameters (canonical JSON, keys sorted), the system prompt, the rendered prompt and the sample index. Two jobs
 * that ask one endpoint's model the same thing with the same parameters share their samples, whatever the jobs or
 * teachers are called; another endpoint never does. (The scope wraps the digest of the rest so that a migration
 * can re-key stored samples from the digest alone: V8.)
 */
public final class CacheKeys {

    private CacheKeys() {
    }

    public static byte[] of(String scope, String model, String canonicalParams, String systemPrompt, String prompt, int sampleIndex) {
        MessageDigest sha = sha256();
        // each part is length-prefixed, so no two different tuples share a byte string
        part(sha, model);
        part(sha, canonicalParams);
        part(sha, systemPrompt == null ? "\u0000none" : systemPrompt);
        part(sha, prompt);
        part(sha, Integer.toString(sampleIndex));
        byte[] request = sha.digest();
        part(sha, scope);
        sha.update(request);
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void part(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(b);
    }
}
