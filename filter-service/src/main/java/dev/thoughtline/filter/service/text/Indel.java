package dev.thoughtline.filter.service.text;

/**
 * The normalised Indel similarity of two strings, 0-100: 100 × (1 − (insertions + deletions) / (|a| + |b|)),
 * which is what rapidfuzz calls {@code fuzz.ratio}. The longest common subsequence is computed bit-parallel
 * (Hyyrö's algorithm): O(|a| × |b| / 64) word operations, a few microseconds for two 400-character texts.
 */
public final class Indel {

    private Indel() {
    }

    /** The similarity, 0-100; two empty strings are 100 alike. */
    public static double ratio(String a, String b) {
        int total = a.length() + b.length();
        if (total == 0) {
            return 100;
        }
        return 100.0 * 2 * lcs(a, b) / total;
    }

    /**
     * The similarity when it is at least {@code cutoff}, else 0: the lengths alone rule most pairs out before any
     * work (the common subsequence is at most the shorter string).
     */
    public static double ratio(String a, String b, double cutoff) {
        int total = a.length() + b.length();
        if (total == 0) {
            return 100;
        }
        if (100.0 * 2 * Math.min(a.length(), b.length()) / total < cutoff) {
            return 0;
        }
        double r = ratio(a, b);
        return r >= cutoff ? r : 0;
    }

    /** The length of the longest common subsequence. */
    public static int lcs(String a, String b) {
        if (a.length() < b.length()) {
            String t = a;
            a = b;
            b = t;
        }
        int m = b.length();
        if (m == 0) {
            return 0;
        }
        // bit masks of where each character occurs in the shorter string b
        int words = (m + 63) >>> 6;
        long[] ascii = new long[128 * words];
        java.util.Map<Character, long[]> other = null;
        for (int i = 0; i < m; i++) {
            char c = b.charAt(i);
            if (c < 128) {
                ascii[c * words + (i >>> 6)] |= 1L << (i & 63);
            } else {
                if (other == null) {
                    other = new java.util.HashMap<>();
                }
                other.computeIfAbsent(c, k -> new long[words])[i >>> 6] |= 1L << (i & 63);
            }
        }
        long[] v = new long[words];
        java.util.Arrays.fill(v, -1L);
        long[] none = new long[words];
        for (int j = 0; j < a.length(); j++) {
            char c = a.charAt(j);
            long[] maskArray;
            int base;
            if (c < 128) {
                maskArray = ascii;
                base = c * words;
            } else {
                long[] o = other == null ? null : other.get(c);
                maskArray = o == null ? none : o;
                base = 0;
            }
            long carry = 0;
            for (int k = 0; k < words; k++) {
                long x = v[k];
                long u = x & maskArray[base + k];
                long sum = x + u;
                long c1 = Long.compareUnsigned(sum, x) < 0 ? 1 : 0;
                long sum2 = sum + carry;
                long c2 = carry != 0 && sum2 == 0 ? 1 : 0;
                carry = c1 | c2;
                v[k] = sum2 | (x - u);
            }
        }
        int zeros = 0;
        for (int k = 0; k < words; k++) {
            long valid = k == words - 1 && (m & 63) != 0 ? (1L << (m & 63)) - 1 : -1L;
            zeros += Long.bitCount(~v[k] & valid);
        }
        return zeros;
    }
}
