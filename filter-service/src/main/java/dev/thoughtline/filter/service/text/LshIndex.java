package dev.thoughtline.filter.service.text;

import java.util.Arrays;

/**
 * Locality-sensitive hashing over MinHash signatures: the signature is cut into {@code bands} bands of
 * {@code rows} positions; two documents are candidates when they agree on every position of at least one band
 * (probability 1 − (1 − J^rows)^bands for Jaccard similarity J). One open-addressing table per band holds
 * (32-bit band fingerprint, document) pairs in a single long each: no boxing, about 16 bytes per document and band
 * at the table's load. Not thread-safe: documents are added in order by one thread.
 */
public final class LshIndex {

    private final int bands;
    private final int rows;
    private final long[][] tables;
    private final int[] sizes;

    public LshIndex(int bands, int rows, int expected) {
        if (bands < 1 || rows < 1) {
            throw new IllegalArgumentException("bands and rows must be at least 1");
        }
        this.bands = bands;
        this.rows = rows;
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        tables = new long[bands][];
        for (int i = 0; i < bands; i++) {
            tables[i] = new long[capacity];
        }
        sizes = new int[bands];
    }

    public int bands() {
        return bands;
    }

    public int rows() {
        return rows;
    }

    /** The band keys of a signature (it must have at least bands × rows positions). */
    public long[] keys(int[] sig) {
        return keys(sig, bands, rows);
    }

    /**
     * The band keys of a signature for an index of {@code bands} × {@code rows}; the index compares a key's upper 32
     * bits (its fingerprint), so two documents are candidates when a band's keys agree there.
     */
    public static long[] keys(int[] sig, int bands, int rows) {
        if (sig.length < bands * rows) {
            throw new IllegalArgumentException("signature of " + sig.length + " positions for " + bands + " x " + rows);
        }
        long[] keys = new long[bands];
        for (int band = 0; band < bands; band++) {
            long h = 0x9E3779B97F4A7C15L * (band + 1);
            for (int r = 0; r < rows; r++) {
                h = (h ^ sig[band * rows + r]) * 0xBF58476D1CE4E5B9L;
            }
            keys[band] = Texts.mix(h);
        }
        return keys;
    }

    /**
     * Calls {@code into} with every stored document sharing a band with these keys (a document may come more than
     * once, once per band it shares).
     */
    public void candidates(long[] keys, java.util.function.IntConsumer into) {
        for (int band = 0; band < bands; band++) {
            long[] t = tables[band];
            int mask = t.length - 1;
            int fp = (int) (keys[band] >>> 32);
            for (int slot = fp & mask; ; slot = (slot + 1) & mask) {
                long e = t[slot];
                if (e == 0) {
                    break;
                }
                if ((int) (e >>> 32) == fp) {
                    into.accept((int) e - 1);
                }
            }
        }
    }

    /** Stores a document (its index, at least 0) under its keys. */
    public void add(long[] keys, int doc) {
        for (int band = 0; band < bands; band++) {
            if ((sizes[band] + 1) * 2 > tables[band].length) {
                tables[band] = grow(tables[band]);
            }
            insert(tables[band], (int) (keys[band] >>> 32), doc);
            sizes[band]++;
        }
    }

    /** An entry is (fingerprint, document + 1); its slot comes from the fingerprint, so a larger table can re-place it. */
    private static void insert(long[] t, int fp, int doc) {
        int mask = t.length - 1;
        long entry = ((long) fp << 32) | ((doc + 1) & 0xFFFFFFFFL);
        int slot = fp & mask;
        while (t[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        t[slot] = entry;
    }

    private static long[] grow(long[] t) {
        long[] bigger = new long[t.length * 2];
        for (long e : t) {
            if (e != 0) {
                insert(bigger, (int) (e >>> 32), (int) e - 1);
            }
        }
        return bigger;
    }

    @Override
    public String toString() {
        return "LshIndex[" + bands + "x" + rows + ", " + Arrays.toString(sizes) + "]";
    }
}
