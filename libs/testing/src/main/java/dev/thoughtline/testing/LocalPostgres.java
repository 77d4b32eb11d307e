package dev.thoughtline.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A real PostgreSQL 16 server run from binaries shipped in a Maven artifact: no Docker, nothing installed.
 * Each instance gets its own data directory and a free port, and is removed on {@link #close()}.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private final EmbeddedPostgres pg;

    private LocalPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /**
     * Starts a server. Extra server settings, for profiling a bench, come from the environment variable
     * {@code THOUGHTLINE_PG_SETTINGS} as space-separated {@code name=value} pairs, e.g.
     * {@code shared_preload_libraries=pg_stat_statements} (the binaries ship pg_stat_statements and auto_explain).
     */
    public static LocalPostgres start() {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    // tests and the local demo favour speed over durability
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "200");
            String extra = System.getenv("THOUGHTLINE_PG_SETTINGS");
            if (extra != null) {
                for (String pair : extra.trim().split("\\s+")) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("THOUGHTLINE_PG_SETTINGS: not name=value: " + pair);
                    }
                    builder.setServerConfig(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            return new LocalPostgres(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    public int port() {
        return pg.getPort();
    }

    /** The URL for the Vert.x reactive client: {@code postgresql://localhost:PORT/postgres}. */
    public String reactiveUrl() {
        return "postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** The reactive URL of another database on this server (see {@link #createDatabase}). */
    public String reactiveUrl(String database) {
        return "postgresql://localhost:" + port() + "/" + database;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** The Quarkus configuration that points a service's default datasource here. */
    public Map<String, String> quarkusConfig() {
        return Map.of(
                "quarkus.datasource.db-kind", "postgresql",
                "quarkus.datasource.reactive.url", reactiveUrl(),
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", PASSWORD,
                "quarkus.datasource.devservices.enabled", "false");
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a database (for a service of its own on this server). */
    public void createDatabase(String name) {
        if (!name.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a database name: " + name);
        }
        try (java.sql.Connection c = pg.getPostgresDatabase().getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a PostgreSQL until the process is stopped, printing its URL: the database of the local run
     * command. The arguments name databases to create (one per service). Prints {@code READY <reactive url>} on one
     * line when it accepts connections; the other databases are at the same URL with their own names.
     */
    public static void main(String[] args) throws InterruptedException {
        LocalPostgres pg = start();
        for (String db : args) {
            pg.createDatabase(db);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "embedded-postgres-stop"));
        System.out.println("READY " + pg.reactiveUrl());
        System.out.flush();
        Thread.currentThread().join();
    }
}
