package dev.thoughtline.support;

import dev.thoughtline.testing.LocalPostgres;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link WorkLeases} against a real PostgreSQL: a replica never holds more work of a kind than it registered for. */
class WorkLeasesTest {

    static LocalPostgres pg;
    static Vertx vertx;
    static Pool pool;
    static PgConnectOptions connect;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.start();
        vertx = Vertx.vertx();
        connect = new PgConnectOptions().setHost("localhost").setPort(pg.port()).setDatabase("postgres")
                .setUser(LocalPostgres.USER).setPassword(LocalPostgres.PASSWORD);
        pool = PgPool.pool(vertx, connect, new PoolOptions().setMaxSize(4));
        SchemaMigrations.apply(pool, 1, List.of("support/work_lease.sql"));
    }

    @AfterAll
    static void stop() {
        pool.closeAndAwait();
        vertx.closeAndAwait();
        pg.close();
    }

    static WorkLeases replica(String owner) {
        return replica(owner, Duration.ofSeconds(15));
    }

    static WorkLeases replica(String owner, Duration lease) {
        return new WorkLeases(pool, vertx.getDelegate(), new WorkLeases.Config() {
            @Override
            public Duration duration() {
                return lease;
            }

            @Override
            public Duration scanInterval() {
                return Duration.ofMillis(100);
            }

            @Override
            public Optional<String> owner() {
                return Optional.of(owner);
            }
        });
    }

    @Test
    void workOfferedAtOnceIsTakenNoMoreThanTheRegisteredConcurrencyAtATime() throws Exception {
        // 2,000 pieces that ran out at the same instant (one offer): a claim written as a subquery joined to its update
        // took every shard of a run at once in bench/filter-shards.sh (a plan this small table does not get, so this
        // guards the rule rather than replaying that plan)
        Long[] ids = new Long[2000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (long) i;
        }
        pool.withTransaction(tx -> replica("offering").offer(tx, "piece", ids)).await().indefinitely();
        pool.query("ANALYZE work_lease").execute().await().indefinitely();
        WorkLeases a = replica("a");
        Set<Long> started = ConcurrentHashMap.newKeySet();
        a.register("piece", 2, lease -> started.add(lease.id()));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (started.size() < 2) {
            assertThat(System.nanoTime()).as("two pieces are taken").isLessThan(deadline);
            Thread.sleep(5);
        }
        // the claim is committed before its pieces start: the table shows everything it took
        long owned = pool.query("SELECT count(*) FROM work_lease WHERE kind = 'piece' AND owner = 'a'").execute()
                .await().indefinitely().iterator().next().getLong(0);
        assertThat(owned).isEqualTo(2);
        assertThat(started).hasSize(2);
    }

    @Test
    void aFencedWriteLongerThanTheLeaseKeepsItAndNoOtherReplicaTakesTheWork() throws Exception {
        WorkLeases a = replica("long-a", Duration.ofSeconds(1));
        WorkLeases.Lease lease = pool.withTransaction(tx -> a.create(tx, "long", 1, () -> { })).await().indefinitely();
        a.register("long", 1, l -> { });
        WorkLeases b = replica("long-b", Duration.ofSeconds(1));
        Set<Long> taken = ConcurrentHashMap.newKeySet();
        b.register("long", 1, l -> taken.add(l.id()));

        // six leases long: the heartbeat renews the lease meanwhile, and b's claims skip the row the write holds
        java.util.concurrent.CompletableFuture<?> write = a.fenced(lease, tx -> tx.query("SELECT pg_sleep(6)").execute())
                .subscribeAsCompletionStage();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (pool.query("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)'").execute().await().indefinitely()
                .iterator().next().getLong(0) == 0) {
            assertThat(System.nanoTime()).as("the write is under way").isLessThan(deadline);
            Thread.sleep(10);
        }
        Thread.sleep(2500);
        assertThat(pool.query("SELECT lease_until > now() FROM work_lease WHERE kind = 'long' AND id = 1").execute().await().indefinitely()
                .iterator().next().getBoolean(0)).as("the lease is renewed while the write runs, 2.5 leases in").isTrue();
        write.get(30, java.util.concurrent.TimeUnit.SECONDS);

        io.vertx.mutiny.sqlclient.Row row = pool.query("SELECT owner, epoch, lease_until > now() FROM work_lease WHERE kind = 'long' AND id = 1")
                .execute().await().indefinitely().iterator().next();
        assertThat(row.getString(0)).isEqualTo("long-a");
        assertThat(row.getLong(1)).isEqualTo(lease.epoch());
        assertThat(row.getBoolean(2)).as("the lease is current").isTrue();
        assertThat(taken).isEmpty();
        assertThat(a.holds(lease)).isTrue();
        // and the holder can still write
        assertThat(a.fenced(lease, tx -> tx.query("SELECT 1").execute()).await().indefinitely()).isNotNull();
    }
}
