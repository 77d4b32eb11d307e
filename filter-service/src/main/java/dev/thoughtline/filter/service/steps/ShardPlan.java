package dev.thoughtline.filter.service.steps;

import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.service.text.MinHasher;

import java.util.ArrayList;
import java.util.List;

/**
 * How a run is worked in shards: its steps cut into phases at each step that needs the whole input. A phase's
 * per-item steps run shard by shard on any replica; the step that ends it is then resolved once, by the run's owner,
 * from what the shards stored: exact-dedup and near-dedup from the keys each shard computed for its items still
 * alive ({@link #key}), a keep by topN or topFraction from the stored scores (an ordered read). The next phase's
 * shards see only the items every earlier step kept, so a run gives the verdicts of the same steps applied in order
 * over its whole input.
 */
public final class ShardPlan {

    /** What ends a phase: nothing (the last phase), a rank keep, exact-dedup, near-dedup. */
    public enum End { NONE, RANK, EXACT, NEAR }

    /**
     * A phase: the steps its shards apply in order (each with its keep rule, except a {@link End#RANK} end step,
     * whose ranking is resolved over every shard's scores), then the step that ends it.
     */
    public record Phase(int index, List<Steps.Planned> steps, Steps.Planned end, End kind) {

        /** Applies the phase's steps to a shard's items alive before it; a step sees only what the ones before it kept. */
        public void apply(List<Item> items) {
            List<Item> alive = items;
            for (Steps.Planned p : steps) {
                p.step().apply(p.name(), alive);
                if (!(kind == End.RANK && p == end)) {
                    Steps.keep(p, alive);
                }
                List<Item> next = new ArrayList<>(alive.size());
                for (Item item : alive) {
                    if (item.kept()) {
                        next.add(item);
                    }
                }
                alive = next;
            }
        }

        /** Whether the end step groups items by a key the shards compute. */
        public boolean keyed() {
            return kind == End.EXACT || kind == End.NEAR;
        }

        /** The key a shard stores for an item alive at the end of the phase (see {@link #keyed}). */
        public byte[] key(Item item, MinHasher hasher) {
            return kind == End.EXACT ? ((QuestionSteps.ExactDedup) end.step()).key(item) : ((QuestionSteps.NearDedup) end.step()).bandKeys(item, hasher);
        }

        /** The signer a near-dedup end needs for its keys (one per shard; null otherwise). */
        public MinHasher hasher() {
            return kind == End.NEAR ? ((QuestionSteps.NearDedup) end.step()).hasher() : null;
        }

        /** The bands of a near-dedup end: its keys hold 4 bytes each. */
        public int bands() {
            return ((QuestionSteps.NearDedup) end.step()).params().bands();
        }
    }

    /** The most phases a sharded run may have. */
    public static final int MAX_PHASES = 255;

    private ShardPlan() {
    }

    /**
     * The phases of a run, or null when one of its steps cannot be worked in shards: majority, length per question,
     * the LLM and embedding steps, a dedup step with a keep rule (such runs hold their input in memory).
     */
    public static List<Phase> of(List<Steps.Planned> planned) {
        List<Phase> phases = new ArrayList<>();
        List<Steps.Planned> current = new ArrayList<>();
        for (Steps.Planned p : planned) {
            boolean exact = p.step() instanceof QuestionSteps.ExactDedup;
            if (exact || p.step() instanceof QuestionSteps.NearDedup) {
                if (p.keep() != null) {
                    return null;
                }
                phases.add(new Phase(phases.size(), List.copyOf(current), p, exact ? End.EXACT : End.NEAR));
                current.clear();
            } else if (!p.step().perItem()) {
                return null;
            } else if (p.keep() == null || p.keep().threshold() != null) {
                current.add(p);
            } else {
                current.add(p);
                phases.add(new Phase(phases.size(), List.copyOf(current), p, End.RANK));
                current.clear();
            }
        }
        if (!current.isEmpty() || phases.isEmpty()) {
            phases.add(new Phase(phases.size(), List.copyOf(current), null, End.NONE));
        }
        // a shard's lease names its phase in 8 bits
        return phases.size() > MAX_PHASES ? null : phases;
    }
}
