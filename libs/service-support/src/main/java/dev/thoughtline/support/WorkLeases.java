package dev.thoughtline.support;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Long work owned by one replica at a time through PostgreSQL (the {@code work_lease} table,
 * {@code support/work_lease.sql} among the service's migrations). A replica creates the lease of new work in the
 * transaction that creates the work, renews every lease it holds by heartbeat (every third of the lease), and takes
 * over work whose lease expired (its owner died) or was handed over (its owner stopped), a few seconds after. Every
 * write of the work runs {@link #fenced}: in a transaction that first finds the lease with its epoch and owner, so a
 * replica that lost its lease (a takeover raised the epoch) can no longer change the work. On shutdown (SIGTERM) a
 * replica stops taking work and ends its leases at once, so another replica takes the work over from its last
 * checkpoint without waiting for the lease to run out.
 * <p>
 * A service registers each kind of work with what starts it ({@link #register}); nothing runs until one is.
 */
@ApplicationScoped
public class WorkLeases {

    /** {@code thoughtline.leases.*}. */
    @ConfigMapping(prefix = "thoughtline.leases")
    public interface Config {
        /** How long a lease lasts without a heartbeat: a dead owner's work is taken over after about this long. */
        @WithDefault("15s")
        Duration duration();

        /** How often a replica looks for work to take over. */
        @WithDefault("2s")
        Duration scanInterval();

        /** The name this replica holds leases under (the pod's name, say); a random one by default. */
        Optional<String> owner();
    }

    /** A piece of work of {@code kind} held at {@code epoch}. */
    public record Lease(String kind, long id, long epoch) {
    }

    /** The lease was taken over or handed over: the work must stop without writing. */
    public static final class LeaseLost extends RuntimeException {
        public LeaseLost(Lease lease) {
            super(lease.kind() + " " + lease.id() + " is no longer held by this replica (epoch " + lease.epoch() + ")", null, false, false);
        }
    }

    /** What starts a kind of work once its lease is held here. */
    @FunctionalInterface
    public interface Starter {
        void start(Lease lease);
    }

    private record Kind(int max, Starter starter) {
    }

    private final Pool pool;
    private final Vertx vertx;
    private final Config config;
    private final String owner;
    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();
    /** Leases held here, with what stops their work when one is lost. */
    private final Map<Lease, Runnable> held = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean scanning = new AtomicBoolean();
    private volatile boolean stopping;

    public WorkLeases(Pool pool, Vertx vertx, Config config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
        this.owner = config.owner().filter(o -> !o.isBlank())
                .orElseGet(() -> host() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        return h == null || h.isBlank() ? "replica" : h;
    }

    /** The name this replica holds leases under. */
    public String owner() {
        return owner;
    }

    /**
     * Takes over unheld work of {@code kind} from now on, at most {@code max} pieces held here at once, each started
     * with {@code starter} (which must call {@link #track} and, when the work ends, {@link #end} or {@link #forget}).
     */
    public void register(String kind, int max, Starter starter) {
        kinds.put(kind, new Kind(max, starter));
        if (started.compareAndSet(false, true)) {
            long renewEvery = Math.max(100, config.duration().toMillis() / 3);
            vertx.setPeriodic(renewEvery, id -> renew());
            vertx.setPeriodic(Math.max(50, config.scanInterval().toMillis()), id -> scan());
            vertx.setTimer(10, id -> scan());
        }
    }

    /** Whether this replica is stopping: no new work should begin. */
    public boolean stopping() {
        return stopping;
    }

    /**
     * Creates the lease of new work (or of work started again, taking it from whoever held it), held here, in the
     * caller's transaction (the one that creates or restarts the work), and tracks it with {@code onLost}.
     */
    public Uni<Lease> create(SqlClient tx, String kind, long id, Runnable onLost) {
        // an existing lease is locked first: work restarted waits for a fenced write of its holder in flight (see fenced)
        return tx.preparedQuery("SELECT 1 FROM work_lease WHERE kind = $1 AND id = $2 FOR UPDATE").execute(Tuple.of(kind, id))
                .chain(() -> tx.preparedQuery("""
                        INSERT INTO work_lease (kind, id, owner, epoch, lease_until)
                        VALUES ($1, $2, $3, 1, now() + make_interval(secs => $4))
                        ON CONFLICT (kind, id) DO UPDATE SET owner = EXCLUDED.owner, epoch = work_lease.epoch + 1,
                                                             lease_until = EXCLUDED.lease_until
                        RETURNING epoch""")
                .execute(Tuple.of(kind, id, owner, seconds(config.duration()))))
                .map(rows -> {
                    Lease lease = new Lease(kind, id, rows.iterator().next().getLong(0));
                    held.put(lease, onLost);
                    return lease;
                });
    }

    /**
     * Offers work of {@code kind} that no replica holds yet (pieces of a larger piece of work, say), in the caller's
     * transaction: every replica that registered the kind takes some at its next scan. Offering work again takes it
     * from whoever held it (its epoch moves on, so the holder's fenced writes fail).
     */
    public Uni<Void> offer(SqlClient tx, String kind, Long[] ids) {
        return tx.preparedQuery("SELECT 1 FROM work_lease WHERE kind = $1 AND id = ANY($2::bigint[]) FOR UPDATE").execute(Tuple.of(kind, ids))
                .chain(() -> tx.preparedQuery("""
                        INSERT INTO work_lease (kind, id, owner, epoch, lease_until)
                        SELECT $1, u.id, NULL, 1, now() - interval '1 millisecond' FROM unnest($2::bigint[]) AS u(id)
                        ON CONFLICT (kind, id) DO UPDATE SET owner = NULL, epoch = work_lease.epoch + 1, lease_until = EXCLUDED.lease_until""")
                .execute(Tuple.of(kind, ids))).replaceWithVoid();
    }

    /** Looks for work to take over now instead of at the next scan (work was offered, or a piece of it ended here). */
    public void scanSoon() {
        vertx.setTimer(1, id -> scan());
    }

    /** Records what stops the work of a lease this replica took over, should the lease be lost. */
    public void track(Lease lease, Runnable onLost) {
        held.put(lease, onLost);
    }

    /** Whether the lease is still held here, as far as this replica knows. */
    public boolean holds(Lease lease) {
        return held.containsKey(lease);
    }

    /**
     * Runs {@code work} in a transaction in which the lease is held: its row is found with its epoch and owner and
     * locked against a takeover until the transaction ends. The lock is {@code FOR KEY SHARE}: a claim
     * ({@code FOR UPDATE SKIP LOCKED}), a restart ({@link #create}) and an offer ({@link #offer}) lock the row
     * {@code FOR UPDATE} and so wait for (or skip) the write, while the heartbeat's update of {@code lease_until} goes
     * through: a write that takes minutes (a sharded run's rank keep) no longer holds the heartbeat back until its lease
     * runs out and is taken over, by another replica or by this one. Fails with {@link LeaseLost} (and writes nothing) when the
     * lease is no longer this replica's.
     */
    public <T> Uni<T> fenced(Lease lease, Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT 1 FROM work_lease WHERE kind = $1 AND id = $2 AND epoch = $3 AND owner = $4 FOR KEY SHARE")
                .execute(Tuple.of(lease.kind(), lease.id(), lease.epoch(), owner))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        lost(lease);
                        return Uni.createFrom().failure(new LeaseLost(lease));
                    }
                    return work.apply(conn);
                }));
    }

    /** Ends the lease of finished work, in a transaction of {@link #fenced}: the work is no one's any more. */
    public Uni<Void> end(SqlConnection fencedTx, Lease lease) {
        return fencedTx.preparedQuery("DELETE FROM work_lease WHERE kind = $1 AND id = $2 AND epoch = $3")
                .execute(Tuple.of(lease.kind(), lease.id(), lease.epoch()))
                .invoke(() -> held.remove(lease))
                .replaceWithVoid();
    }

    /** Stops tracking a lease whose work stopped here without ending it (it will be taken over when it runs out). */
    public void forget(Lease lease) {
        held.remove(lease);
    }

    private void lost(Lease lease) {
        Runnable stop = held.remove(lease);
        if (stop != null) {
            Log.warnf("%s %d: the lease (epoch %d) is no longer this replica's; stopping its work here", lease.kind(), lease.id(), lease.epoch());
            try {
                stop.run();
            } catch (RuntimeException e) {
                Log.warnf("stopping %s %d: %s", lease.kind(), lease.id(), e.toString());
            }
        }
    }

    /** The heartbeat: renews every lease held here; one that is no longer ours stops its work. */
    private void renew() {
        if (held.isEmpty() || stopping) {
            return;
        }
        List<Lease> mine = new ArrayList<>(held.keySet());
        String[] kindArr = mine.stream().map(Lease::kind).toArray(String[]::new);
        Long[] ids = mine.stream().map(Lease::id).toArray(Long[]::new);
        Long[] epochs = mine.stream().map(Lease::epoch).toArray(Long[]::new);
        pool.preparedQuery("""
                        UPDATE work_lease l SET lease_until = now() + make_interval(secs => $5)
                        FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS m(kind, id, epoch)
                        WHERE l.kind = m.kind AND l.id = m.id AND l.epoch = m.epoch AND l.owner = $1
                        RETURNING l.kind, l.id, l.epoch""")
                .execute(Tuple.of(owner, kindArr, ids, epochs, seconds(config.duration())))
                .subscribe().with(rows -> {
                    java.util.Set<Lease> renewed = new java.util.HashSet<>();
                    for (Row r : rows) {
                        renewed.add(new Lease(r.getString(0), r.getLong(1), r.getLong(2)));
                    }
                    for (Lease l : mine) {
                        if (!renewed.contains(l)) {
                            lost(l);
                        }
                    }
                }, failure -> Log.warnf("renewing leases failed (retried at the next heartbeat): %s", failure.toString()));
    }

    /** Takes over expired or handed-over work of each registered kind, as much as there is room for here. */
    private void scan() {
        if (stopping || !scanning.compareAndSet(false, true)) {
            return;
        }
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<String, Kind> e : kinds.entrySet()) {
            String kind = e.getKey();
            all = all.chain(() -> {
                long mine = held.keySet().stream().filter(l -> l.kind().equals(kind)).count();
                int room = (int) Math.max(0, e.getValue().max() - mine);
                if (room == 0 || stopping) {
                    return Uni.createFrom().voidItem();
                }
                return claim(kind, room).invoke(leases -> leases.forEach(lease -> {
                    Log.infof("%s %d: taking it over (epoch %d)", kind, lease.id(), lease.epoch());
                    held.put(lease, () -> { });
                    try {
                        e.getValue().starter().start(lease);
                    } catch (RuntimeException failure) {
                        Log.warnf("%s %d: cannot start it here: %s", kind, lease.id(), failure.toString());
                        held.remove(lease);
                    }
                })).replaceWithVoid();
            });
        }
        all.subscribe().with(v -> scanning.set(false), failure -> {
            scanning.set(false);
            Log.warnf("looking for work to take over failed: %s", failure.toString());
        });
    }

    /**
     * Takes up to {@code max} leases of {@code kind} that ran out. The candidates are chosen once, in a materialized CTE:
     * as a subquery joined to the update, PostgreSQL may rescan them per row updated, and among leases that ran out at
     * the same instant (offered together) each rescan can pick others, so one claim took every offered shard of a run.
     */
    private Uni<List<Lease>> claim(String kind, int max) {
        return pool.preparedQuery("""
                        WITH c AS MATERIALIZED (SELECT kind, id FROM work_lease WHERE kind = $1 AND lease_until < now()
                                                ORDER BY lease_until, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                        UPDATE work_lease l SET owner = $2, epoch = l.epoch + 1, lease_until = now() + make_interval(secs => $4)
                        FROM c WHERE l.kind = c.kind AND l.id = c.id
                        RETURNING l.id, l.epoch""")
                .execute(Tuple.of(kind, owner, max, seconds(config.duration())))
                .map(rows -> {
                    List<Lease> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Lease(kind, r.getLong(0), r.getLong(1))));
                    return out;
                });
    }

    /**
     * SIGTERM: no new work, and every lease held here ends now, so other replicas take the work over at their next
     * scan instead of after the lease. Work still running here is stopped; its writes would be fenced out anyway.
     */
    void handOver(@Observes @Priority(1) ShutdownEvent event) {
        stopping = true;
        if (held.isEmpty()) {
            return;
        }
        List<Lease> mine = new ArrayList<>(held.keySet());
        try {
            pool.preparedQuery("UPDATE work_lease SET owner = NULL, lease_until = now() - interval '1 millisecond' WHERE owner = $1")
                    .execute(Tuple.of(owner)).await().atMost(Duration.ofSeconds(5));
            Log.infof("handed over %d piece(s) of work", mine.size());
        } catch (RuntimeException e) {
            Log.warnf("handing over work failed (it is taken over when its leases run out): %s", e.toString());
        }
        mine.forEach(this::lost);
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
