package dev.thoughtline.question;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One import into a source: its parameters, counts, the first rejected lines, and for paged imports the
 * cursor to resume from. Written with SQL by the import pipeline (in the same transaction as the
 * questions it counts); read through Panache.
 */
@Entity
@Table(name = "import_run")
public class ImportRun extends PanacheEntityBase {

    public enum Kind { NDJSON, HUGGINGFACE, DATASET }

    public enum Status { RUNNING, COMPLETE, FAILED }

    @Id
    public Long id;

    @Column(name = "source_id")
    public Long sourceId;

    public String kind;

    public String status;

    /** The request that started it, as JSON. */
    public String params;

    /** Where a paged import goes on from: the next row offset, or the next page's URL. */
    public String cursor;

    public long received;
    public long imported;
    public long duplicates;
    public long rejected;

    /** The first rejected lines, as a JSON array of {line, reason}. */
    public String errors;

    public String failure;

    /** The worker allowed to write this run's progress (see the schema); never shown. */
    public java.util.UUID worker;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
