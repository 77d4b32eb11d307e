package dev.thoughtline.filter.service.embedding;

import java.util.List;

/**
 * Sentence embeddings for the embedding step: the all-MiniLM-L6-v2 model in process ({@link LocalEmbedder}), or
 * any OpenAI-compatible {@code /v1/embeddings} endpoint ({@link RemoteEmbedder}). Vectors are L2-normalised, so a
 * dot product is the cosine similarity. Thread-safe.
 */
public interface Embedder {

    /** One normalised vector per text, in order. */
    List<float[]> embed(List<String> texts);

    /** The dot product of two normalised vectors: their cosine similarity. */
    static double cosine(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Scales a vector to length 1 (a zero vector stays zero). */
    static float[] normalise(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        if (n == 0) {
            return v;
        }
        float inv = (float) (1 / Math.sqrt(n));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }
}
