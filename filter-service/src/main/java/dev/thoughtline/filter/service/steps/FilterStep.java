package dev.thoughtline.filter.service.steps;

import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.filter.Item;
import io.smallrye.mutiny.Uni;

import java.util.List;

/**
 * One step of a filter run. A step sees the items every earlier step kept, in input order; it scores them
 * ({@link Item#scores}, under the step's name) and drops the ones that fail it, with a reason. The run then
 * applies the step's {@code keep} rule to the scores. Steps are created per run, validated on creation (a bad
 * parameter is a 400 before anything runs), and used by one thread.
 */
public interface FilterStep {

    /** Reads what the step needs from other services (benchmark datasets) before the run's CPU work. */
    default Uni<Void> prepare(DatasetClient datasets) {
        return Uni.createFrom().voidItem();
    }

    /**
     * Whether it judges each item on its own, with no groups and no ranking across items: its verdicts are the same
     * over any split of the input (a run of such steps can be worked in shards).
     */
    default boolean perItem() {
        return false;
    }

    /** Scores and drops; {@code name} is the key of the step's score and reason. */
    void apply(String name, List<Item> items);

    /** Drops an item for this step. */
    static void drop(Item item, String name, String reason) {
        item.droppedBy = name;
        item.reasons.put(name, reason);
    }
}
