package dev.thoughtline.question;

import dev.thoughtline.contracts.Domain;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A named origin of questions (a dataset, a generator, a crawl) with its licence and measured quality. */
@Entity
@Table(name = "source")
public class Source extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Domain domain;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Origin origin;

    public String license;

    public String description;

    /** A score set by the user from ablations; mixes with {@code topN} rank sources by it. */
    public Double quality;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
