package dev.thoughtline.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET {ref}} answers: the dataset's identity, state and lineage.
 *
 * @param id        the dataset's id within the service that serves it
 * @param ref       the dataset's own DatasetRef
 * @param name      the name it was created under (unique within its service)
 * @param parents   the datasets it was derived from
 * @param recipe    how it was derived: enough to make it again
 */
public record DatasetInfo(
        String id,
        DatasetRef ref,
        String name,
        DatasetKind kind,
        DatasetStatus status,
        long itemCount,
        List<DatasetRef> parents,
        Map<String, Object> recipe,
        Instant createdAt) {
}
