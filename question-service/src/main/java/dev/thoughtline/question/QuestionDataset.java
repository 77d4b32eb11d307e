package dev.thoughtline.question;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * An immutable question dataset made by a mix; its items are rows of {@code dataset_item}. Written in one
 * SQL transaction with its items, read through Panache.
 */
@Entity
@Table(name = "dataset")
public class QuestionDataset extends PanacheEntityBase {

    @Id
    public Long id;

    public String name;

    public String kind;

    public String status;

    @Column(name = "item_count")
    public long itemCount;

    @Column(name = "max_line_bytes")
    public int maxLineBytes;

    /** JSON array of DatasetRefs. */
    public String parents;

    /** JSON object: the mix request as resolved, enough to make the dataset again. */
    public String recipe;

    @Column(name = "created_at")
    public Instant createdAt;
}
