package dev.thoughtline.filter.service.text;

/**
 * Text preparation shared by dedup and decontamination: the form compared by the Indel ratio (lower case,
 * every run of characters that are not letters or digits as one space, trimmed: what rapidfuzz's
 * {@code default_process} does) and 64-bit hashes of its words.
 */
public final class Texts {

    private Texts() {
    }

    /** Lower case, runs of non-alphanumerics as one space, trimmed. */
    public static String process(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                if (space && b.length() > 0) {
                    b.append(' ');
                }
                space = false;
                b.append(Character.toLowerCase(c));
            } else {
                space = true;
            }
        }
        return b.toString();
    }

    /** The hashes of the words of a processed text (words are separated by single spaces). */
    public static long[] wordHashes(String processed) {
        int n = processed.isEmpty() ? 0 : 1;
        for (int i = 0; i < processed.length(); i++) {
            if (processed.charAt(i) == ' ') {
                n++;
            }
        }
        long[] out = new long[n];
        int w = 0;
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < processed.length(); i++) {
            char c = processed.charAt(i);
            if (c == ' ') {
                out[w++] = mix(h);
                h = 0xcbf29ce484222325L;
            } else {
                h = (h ^ c) * 0x100000001b3L;
            }
        }
        if (n > 0) {
            out[w] = mix(h);
        }
        return out;
    }

    /**
     * Hashes of the word k-grams; a text of fewer than k words has one, of all its words. Empty for an empty text.
     */
    public static long[] shingles(long[] words, int k) {
        if (words.length == 0) {
            return words;
        }
        int n = Math.max(1, words.length - k + 1);
        int len = Math.min(k, words.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long h = 0x9E3779B97F4A7C15L;
            for (int j = 0; j < len; j++) {
                h = (h ^ words[i + j]) * 0xBF58476D1CE4E5B9L;
                h = Long.rotateLeft(h, 27);
            }
            out[i] = mix(h);
        }
        return out;
    }

    /** A 64-bit finaliser (murmur3's fmix64): every input bit reaches every output bit. */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
