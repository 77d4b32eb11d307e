package dev.thoughtline.generation;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * An OpenAI-compatible endpoint and model that answers generation jobs, with its sampling defaults, its
 * limits (which hold for the whole cluster) and its prices. Its key is never stored: {@code apiKeyEnv}
 * names the environment variable that holds it.
 */
@Entity
@Table(name = "teacher")
public class Teacher extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(name = "base_url", nullable = false)
    public String baseUrl;

    @Column(nullable = false)
    public String model;

    @Column(name = "api_key_env")
    public String apiKeyEnv;

    /** Set by the caller to keep this teacher's samples apart from other teachers' on the same endpoint. */
    @Column(name = "cache_namespace")
    public String cacheNamespace;

    /**
     * What the request cache keys by besides the request, derived by the database (migration V8): the base URL
     * without trailing slashes and the cache namespace. Samples are shared only between teachers of one scope.
     */
    @Column(name = "cache_scope", insertable = false, updatable = false)
    public String cacheScope;

    public Double temperature;

    @Column(name = "top_p")
    public Double topP;

    @Column(name = "max_tokens")
    public Integer maxTokens;

    public Integer rpm;

    public Long tpm;

    @Column(name = "max_concurrency", nullable = false)
    public int maxConcurrency;

    @Column(name = "input_per_mtok", nullable = false)
    public double inputPerMTok;

    @Column(name = "output_per_mtok", nullable = false)
    public double outputPerMTok;

    @Column(name = "supports_n", nullable = false)
    public boolean supportsN;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
