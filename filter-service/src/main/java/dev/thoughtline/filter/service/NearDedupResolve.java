package dev.thoughtline.filter.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.repository.FilterRunRepository;
import dev.thoughtline.filter.service.steps.ShardPlan;
import io.vertx.mutiny.sqlclient.Cursor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.PreparedStatement;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Near-dedup over a sharded run's stored band fingerprints, with the verdicts of the step applied to the whole input
 * at once. The single pass compares an item only with earlier kept items that share a band fingerprint with it, so
 * its verdicts within a connected component of the "shares a band" graph depend on that component alone. Hence:
 * <ol>
 * <li>per band, PostgreSQL groups the fingerprints and returns the buckets of two or more items (read by cursor);</li>
 * <li>a union-find over those items (the colliders; an item in no bucket is kept, as in a single pass) gives the
 * components;</li>
 * <li>whole components, a batch of about {@code batch} items at a time, are fetched and put through the step itself
 * in input order: its drops are stored for the owner to write.</li>
 * </ol>
 * Heap: the colliders' union-find (about 40 bytes each) and one batch of items, never the input. On a worker thread:
 * it blocks on PostgreSQL.
 */
final class NearDedupResolve {

    private final FilterRunRepository runs;
    private final Pool pool;
    private final ObjectMapper mapper;
    private final long runId;
    private final ShardPlan.Phase phase;
    private final int batch;

    NearDedupResolve(FilterRunRepository runs, Pool pool, ObjectMapper mapper, long runId, ShardPlan.Phase phase, int batch) {
        this.runs = runs;
        this.pool = pool;
        this.mapper = mapper;
        this.runId = runId;
        this.phase = phase;
        this.batch = batch;
    }

    void run() {
        Components components = new Components();
        for (int band = 0; band < phase.bands(); band++) {
            buckets(band, components);
        }
        long[] byComponent = components.grouped();
        List<Long> current = new ArrayList<>();
        int i = 0;
        while (i < byComponent.length) {
            int root = (int) (byComponent[i] >>> 32);
            for (; i < byComponent.length && (int) (byComponent[i] >>> 32) == root; i++) {
                current.add(components.pos((int) byComponent[i]));
            }
            if (current.size() >= batch) {
                judge(current);
                current.clear();
            }
        }
        if (!current.isEmpty()) {
            judge(current);
        }
    }

    /** Unites the items of every bucket of a band. */
    private void buckets(int band, Components into) {
        SqlConnection conn = pool.getConnection().await().indefinitely();
        try {
            Transaction tx = conn.begin().await().indefinitely();
            // the grouping hashes every stored item's fingerprint: room for it, not a spill to disk per band
            conn.query("SET LOCAL work_mem = '64MB'").execute().await().indefinitely();
            PreparedStatement ps = conn.prepare(FilterRunRepository.BUCKETS).await().indefinitely();
            Cursor cursor = ps.cursor(Tuple.of(runId, phase.index(), 4 * band + 1));
            do {
                RowSet<Row> rows = cursor.read(5000).await().indefinitely();
                for (Row r : rows) {
                    Long[] members = r.getArrayOfLongs(0);
                    int first = into.id(members[0]);
                    for (int m = 1; m < members.length; m++) {
                        into.union(first, into.id(members[m]));
                    }
                }
            } while (cursor.hasMore());
            cursor.close().await().indefinitely();
            tx.commit().await().indefinitely();
        } finally {
            conn.close().await().indefinitely();
        }
    }

    /** The step over whole components, in input order; its drops stored. */
    private void judge(List<Long> positions) {
        Long[] pos = positions.toArray(new Long[0]);
        Arrays.sort(pos);
        List<Item> items = new ArrayList<>(pos.length);
        for (Row r : runs.itemsAt(runId, pos).await().indefinitely()) {
            try {
                items.add(new Item(r.getLong(0), mapper.readTree(r.getString(1))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String name = phase.end().name();
        phase.end().step().apply(name, items);
        List<Item> dropped = items.stream().filter(item -> !item.kept()).toList();
        if (dropped.isEmpty()) {
            return;
        }
        Long[] at = new Long[dropped.size()];
        String[] reasons = new String[dropped.size()];
        String[] scores = new String[dropped.size()];
        for (int d = 0; d < at.length; d++) {
            at[d] = dropped.get(d).pos;
            reasons[d] = dropped.get(d).reasons.get(name);
            Double score = dropped.get(d).scores.get(name);
            // as Jackson writes it for a run held in memory
            scores[d] = score == null ? null : Double.toString(score);
        }
        runs.insertDrops(runId, phase.index(), at, reasons, scores).await().indefinitely();
    }

    /**
     * A union-find over item positions: an open-addressing table from position to a dense index (no boxing), and the
     * parents by index with path halving.
     */
    static final class Components {
        private long[] slots = new long[1 << 10];
        private int[] slotIndex = new int[1 << 10];
        private long[] positions = new long[1 << 9];
        private int[] parent = new int[1 << 9];
        private int size;

        long pos(int index) {
            return positions[index];
        }

        /** The dense index of a position, added when new. */
        int id(long pos) {
            int mask = slots.length - 1;
            int slot = (int) dev.thoughtline.filter.service.text.Texts.mix(pos) & mask;
            while (slots[slot] != 0) {
                if (slots[slot] == pos + 1) {
                    return slotIndex[slot];
                }
                slot = (slot + 1) & mask;
            }
            if (size == positions.length) {
                positions = Arrays.copyOf(positions, size * 2);
                parent = Arrays.copyOf(parent, size * 2);
            }
            positions[size] = pos;
            parent[size] = size;
            slots[slot] = pos + 1;
            slotIndex[slot] = size;
            size++;
            if (size * 2 > slots.length) {
                rehash();
            }
            return size - 1;
        }

        private void rehash() {
            slots = new long[slots.length * 2];
            slotIndex = new int[slots.length];
            int mask = slots.length - 1;
            for (int i = 0; i < size; i++) {
                int slot = (int) dev.thoughtline.filter.service.text.Texts.mix(positions[i]) & mask;
                while (slots[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = positions[i] + 1;
                slotIndex[slot] = i;
            }
        }

        int find(int x) {
            while (parent[x] != x) {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }

        void union(int a, int b) {
            int ra = find(a);
            int rb = find(b);
            if (ra != rb) {
                parent[Math.max(ra, rb)] = Math.min(ra, rb);
            }
        }

        /** Every index as (root << 32 | index), sorted: the members of each component together. */
        long[] grouped() {
            long[] out = new long[size];
            for (int i = 0; i < size; i++) {
                out[i] = ((long) find(i) << 32) | i;
            }
            Arrays.sort(out);
            return out;
        }
    }
}
