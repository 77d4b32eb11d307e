-- generation-service schema, version 7: fresh work is leased in ranges; a task row exists only for a sample
-- that needs one (a retry, a failure, a range whose lease expired).
--
-- Until version 6 the loader wrote one task row per sample, a claim leased it (a new row version), and the
-- store deleted it: three writes of the row and six index entries per sample, and the vacuum after them, for
-- a sample that almost always succeeds at once. Now:
--   * the loader writes the items (with each sample's cache key) and nothing per sample;
--   * a job's cursor (job_cursor.issued) says how many of its samples, in seq order, have been handed out;
--   * a claim takes the next samples of a running job as one range: one task_range row with the range's
--     lease and its count of samples not settled yet (open);
--   * the store inserts the results and takes the settled samples off the range's count; the range goes when
--     none is left. A sample that must be tried again, or fails, becomes a task row then, and from there on it
--     is a task as before (leased, retried, failed, stored);
--   * a range whose lease expired is turned into pending task rows for its samples that have neither a result
--     nor a task row, by the next claim of its teacher.
-- PostgreSQL's CPU per stored sample in the overhead bench (bench/generation-service.sh) fell from 0.17-0.23 ms
-- to 0.10-0.13 ms (with the claim's plan kept, below).
--
-- A sample of a range has no task id. It is named to workers by a negative id: -(range id * 65536 + its
-- offset in the range); a range holds at most 65,536 samples. Task rows keep positive ids. claim_work
-- returns both kinds, renewals and stores take both.
--
-- Rolling updates: the previous release's claim (claim_tasks) and store (store_outcomes) still work, on task
-- rows only; its replicas do not see ranges, nor count them against the teacher's concurrency, until they
-- are replaced. A job whose loading passes to a replica of the previous release gets task rows for its later
-- pages as well as ranges, so some of its samples may be asked twice (each is stored once).

-- An item's samples' cache keys (SHA-256, 32 bytes each), one after the other: sample i's at 32 * i + 1.
ALTER TABLE job_item ADD COLUMN cache_keys bytea;

-- A job's samples handed out so far, in seq order: 1..issued. A job has one while it may still get work
-- (running or paused, not all of it loaded and issued); claims delete the others.
CREATE TABLE job_cursor (
    job_id     bigint PRIMARY KEY,
    teacher_id bigint NOT NULL,
    issued     bigint NOT NULL DEFAULT 0
);
CREATE INDEX job_cursor_teacher ON job_cursor (teacher_id, job_id);

-- Jobs loading when this version arrives: every sample loaded so far has its task row.
INSERT INTO job_cursor (job_id, teacher_id, issued)
SELECT id, teacher_id, task_count FROM job WHERE status IN ('running', 'paused') AND NOT loaded;

-- Samples seq_from .. seq_from + size - 1 of a job, leased together to owner. settled: a bit per sample, set
-- when its outcome is stored (a store repeated after a lost reply settles nothing twice); open: the samples
-- not settled, which count against the teacher's concurrency.
CREATE TABLE task_range (
    id          bigserial   PRIMARY KEY,
    teacher_id  bigint      NOT NULL,
    job_id      bigint      NOT NULL,
    seq_from    bigint      NOT NULL,
    size        int         NOT NULL,
    open        int         NOT NULL,
    settled     bit varying NOT NULL,
    owner       text        NOT NULL,
    lease_until timestamptz NOT NULL
);
CREATE INDEX task_range_teacher ON task_range (teacher_id, lease_until);
CREATE INDEX task_range_job ON task_range (job_id);

-- A claim as version 6's, with these changes.
-- * Leases that expired are looked for with the full scan, once a second, not at every claim (a lease lasts a
--   minute). A claim with no room when the full scan is due skips it until the next second. A range whose lease expired becomes pending tasks for its samples that have neither a
--   result nor a task row.
-- * Concurrency counts leased tasks and the open samples of ranges. For its own ranges the claimer says how
--   many samples it has answered so far (p_ranges, p_range_answered): what is answered is not in flight, stored
--   or not, so the count holds however claims and stores interleave. A range the claimer does not name counts
--   all its open samples.
-- * When the task rows give fewer than the claim may take, it takes the next samples of the teacher's running
--   jobs, in job order, as ranges.
-- Each statement costs PostgreSQL its executor's start-up whatever it does, which at a claim's size is about
-- what the rows cost: a claim runs about eight.
CREATE FUNCTION claim_work(p_teacher bigint, p_owner text, p_want int, p_lease_ms bigint,
                           p_rpm bigint, p_tpm bigint, p_max_concurrency int, p_burst_seconds int,
                           p_token_guess double precision, p_paid_requests bigint, p_paid_tokens bigint,
                           p_answered bigint[], p_ranges bigint[], p_range_answered int[])
RETURNS TABLE (c_id bigint, c_job_id bigint, c_seq bigint, c_item_pos bigint, c_sample_index int, c_prompt text,
               c_cache_key bytea, c_cached boolean, c_counted_failures int)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
-- set here so that the SET LOCAL below ends with the call
SET plan_cache_mode = auto
AS $$
DECLARE
    full_requests double precision := CASE WHEN p_rpm IS NULL THEN 0 ELSE greatest(1, p_rpm * p_burst_seconds / 60) END;
    full_tokens   double precision := CASE WHEN p_tpm IS NULL THEN 0 ELSE greatest(1, p_tpm * p_burst_seconds / 60) END;
    full_scan_every constant interval := interval '1 second';
    q_requests double precision;
    q_tokens   double precision;
    q_estimate double precision;
    elapsed    double precision;
    as_of      timestamptz;
    f_job      bigint;
    f_id       bigint;
    f_at       timestamptz;
    from_floor boolean;
    n_job      bigint;
    n_id       bigint;
    in_flight  bigint;
    any_pending boolean;
    k          bigint;
    paid       bigint := 0;
    r          record;
    pick       refcursor;
    g_job      bigint[];
    g_from     bigint[];
    g_size     int[];
    cur        record;
    n          bigint;
    rid        bigint;
    fresh_paid bigint;
    a_seq      bigint[];
    a_pos      bigint[];
    a_sample   int[];
    a_prompt   text[];
    a_key      bytea[];
    a_cached   boolean[];
BEGIN
    LOOP
        SELECT requests_avail, tokens_avail, token_estimate, extract(epoch FROM clock_timestamp() - refreshed_at), clock_timestamp(),
               floor_job, floor_id, full_scan_at
        INTO q_requests, q_tokens, q_estimate, elapsed, as_of, f_job, f_id, f_at
        FROM teacher_quota WHERE teacher_id = p_teacher FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO teacher_quota (teacher_id, requests_avail, tokens_avail, token_estimate)
        VALUES (p_teacher, full_requests, full_tokens, p_token_guess) ON CONFLICT (teacher_id) DO NOTHING;
    END LOOP;

    q_estimate := greatest(1, q_estimate);
    IF p_paid_requests > 0 THEN
        q_tokens := q_tokens + p_paid_requests * q_estimate - p_paid_tokens;
        q_estimate := greatest(1, 0.8 * q_estimate + 0.2 * (p_paid_tokens::double precision / p_paid_requests));
    END IF;
    elapsed := greatest(0, elapsed);
    q_requests := CASE WHEN p_rpm IS NULL THEN 0 ELSE least(full_requests, q_requests + elapsed * p_rpm / 60.0) END;
    q_tokens := CASE WHEN p_tpm IS NULL THEN 0
                     ELSE least(greatest(q_estimate, full_tokens), q_tokens + elapsed * p_tpm / 60.0) END;

    -- the claim scans the task rows from where the last one ended; from the start, and for expired leases, once
    -- a second. With no floor yet the floor is the start, so that a queue without task rows is not planned
    -- afresh at every claim.
    from_floor := f_at IS NOT NULL AND f_at > as_of - full_scan_every;
    f_job := coalesce(f_job, 0);
    f_id := coalesce(f_id, 0);
    IF NOT from_floor THEN
        UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL
        WHERE teacher_id = p_teacher AND state = 'leased' AND lease_until < now();
        -- a range a store holds right now is skipped: it is being settled. What the expired ones leave becomes
        -- tasks in a statement of its own, which sees the results stored before the ranges were deleted.
        WITH gone AS (
            DELETE FROM task_range x WHERE x.id IN (SELECT e.id FROM task_range e WHERE e.teacher_id = p_teacher AND e.lease_until < now()
                                                    ORDER BY e.id FOR UPDATE SKIP LOCKED)
            RETURNING x.job_id, x.seq_from, x.size)
        SELECT array_agg(job_id), array_agg(seq_from), array_agg(size) INTO g_job, g_from, g_size FROM gone;
        IF g_job IS NOT NULL THEN
            INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key)
            SELECT g.job_id, p_teacher, s.seq, i.item_pos, ((s.seq - 1) % j.samples_per_item)::int,
                   substring(i.cache_keys FROM ((s.seq - 1) % j.samples_per_item)::int * 32 + 1 FOR 32)
            FROM unnest(g_job, g_from, g_size) AS g(job_id, seq_from, size)
            JOIN job j ON j.id = g.job_id AND j.status IN ('running', 'paused')
            CROSS JOIN LATERAL generate_series(g.seq_from, g.seq_from + g.size - 1) AS s(seq)
            JOIN job_item i ON i.job_id = g.job_id AND i.item_pos = (s.seq - 1) / j.samples_per_item + 1
            WHERE NOT EXISTS (SELECT 1 FROM result x WHERE x.job_id = g.job_id AND x.seq = s.seq)
            ON CONFLICT (job_id, seq) DO NOTHING;
        END IF;
        -- the next full scan is due in a second, whether or not this claim has room to scan the task rows now
        f_at := as_of;
    END IF;

    SELECT (SELECT count(*) FROM task WHERE teacher_id = p_teacher AND state = 'leased' AND id <> ALL (p_answered))
         + (SELECT coalesce(sum(CASE WHEN a.answered IS NULL THEN x.open
                                     ELSE least(x.open, greatest(0, x.size - a.answered)) END), 0)
            FROM task_range x LEFT JOIN unnest(p_ranges, p_range_answered) AS a(id, answered) ON a.id = x.id
            WHERE x.teacher_id = p_teacher),
           EXISTS (SELECT 1 FROM task WHERE teacher_id = p_teacher AND state = 'pending')
    INTO in_flight, any_pending;

    k := least(p_want, p_max_concurrency - in_flight);
    IF p_rpm IS NOT NULL THEN
        k := least(k, floor(q_requests)::bigint);
    END IF;
    IF p_tpm IS NOT NULL THEN
        -- one request may take the bucket below zero; the deficit is repaid before the next
        k := least(k, CASE WHEN q_tokens <= 0 THEN 0 ELSE greatest(1, floor(q_tokens / q_estimate)::bigint) END);
    END IF;

    IF k > 0 AND any_pending THEN
        -- task rows first (retries, expired leases), as version 6 claims them; when the teacher has none, as
        -- when every sample was answered at its first try, the statement is not even started
        IF from_floor THEN
            OPEN pick FOR
                UPDATE task t SET state = 'leased', lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond'
                WHERE t.ctid = ANY (ARRAY(
                        SELECT p.ctid FROM task p
                        WHERE p.teacher_id = p_teacher AND (p.job_id, p.id) > (f_job, f_id)
                          AND p.state = 'pending' AND p.not_before <= now()
                          AND (SELECT j.status FROM job j WHERE j.id = p.job_id) = 'running'
                        ORDER BY p.job_id, p.id
                        LIMIT k))
                  AND t.state = 'pending'
                RETURNING t.id, t.job_id, t.seq, t.item_pos, t.sample_index,
                          (SELECT i.prompt FROM job_item i WHERE i.job_id = t.job_id AND i.item_pos = t.item_pos) AS prompt,
                          t.cache_key, EXISTS (SELECT 1 FROM result x WHERE x.cache_key = t.cache_key) AS cached,
                          t.counted_failures;
        ELSE
            OPEN pick FOR EXECUTE $pick$
                UPDATE task t SET state = 'leased', lease_owner = $3, lease_until = now() + $4 * interval '1 millisecond'
                WHERE t.ctid = ANY (ARRAY(
                        SELECT p.ctid FROM task p
                        WHERE p.teacher_id = $1 AND p.state = 'pending' AND p.not_before <= now()
                          AND (SELECT j.status FROM job j WHERE j.id = p.job_id) = 'running'
                        ORDER BY p.job_id, p.id
                        LIMIT $2))
                  AND t.state = 'pending'
                RETURNING t.id, t.job_id, t.seq, t.item_pos, t.sample_index,
                          (SELECT i.prompt FROM job_item i WHERE i.job_id = t.job_id AND i.item_pos = t.item_pos) AS prompt,
                          t.cache_key, EXISTS (SELECT 1 FROM result x WHERE x.cache_key = t.cache_key) AS cached,
                          t.counted_failures
                $pick$ USING p_teacher, k, p_owner, p_lease_ms;
        END IF;
        LOOP
            FETCH pick INTO r;
            EXIT WHEN NOT FOUND;
            c_id := r.id;
            c_job_id := r.job_id;
            c_seq := r.seq;
            c_item_pos := r.item_pos;
            c_sample_index := r.sample_index;
            c_prompt := r.prompt;
            c_cache_key := r.cache_key;
            c_cached := r.cached;
            c_counted_failures := r.counted_failures;
            IF NOT r.cached THEN
                paid := paid + 1;
            END IF;
            IF n_job IS NULL OR (r.job_id, r.id) > (n_job, n_id) THEN
                n_job := r.job_id;
                n_id := r.id;
            END IF;
            k := k - 1;
            RETURN NEXT;
        END LOOP;
        CLOSE pick;
        IF n_job IS NOT NULL THEN
            f_job := n_job;
            f_id := n_id;
        END IF;
    END IF;

    IF k > 0 THEN
        -- then fresh samples, as ranges; cursors of jobs that can get no more work go.
        -- Left to choose, PostgreSQL planned the range's statement afresh at every claim (it found its generic
        -- plan dearer than the custom ones), which cost more than the statement's own work. The generic
        -- plan is kept instead; the statement leaves it one shape, by index (QueueFunctionsTest counts the
        -- buffers a claim touches).
        SET LOCAL plan_cache_mode = force_generic_plan;
        FOR cur IN SELECT c.job_id, c.issued, j.task_count, j.samples_per_item AS s, j.loaded, j.status
                   FROM job_cursor c JOIN job j ON j.id = c.job_id
                   WHERE c.teacher_id = p_teacher ORDER BY c.job_id LOOP
            EXIT WHEN k <= 0;
            IF cur.status NOT IN ('running', 'paused') OR (cur.loaded AND cur.issued >= cur.task_count) THEN
                DELETE FROM job_cursor WHERE job_id = cur.job_id;
                CONTINUE;
            END IF;
            CONTINUE WHEN cur.status <> 'running' OR cur.issued >= cur.task_count;
            n := least(k, cur.task_count - cur.issued, 65536);
            WITH leased AS (
                INSERT INTO task_range (teacher_id, job_id, seq_from, size, open, settled, owner, lease_until)
                VALUES (p_teacher, cur.job_id, cur.issued + 1, n, n, lpad('', n::int, '0')::bit varying, p_owner,
                        now() + p_lease_ms * interval '1 millisecond')
                RETURNING id),
            moved AS (
                UPDATE job_cursor SET issued = cur.issued + n WHERE job_id = cur.job_id),
            fresh AS (
                SELECT (i.item_pos - 1) * cur.s + x + 1 AS seq, i.item_pos, x, i.prompt, substring(i.cache_keys FROM x * 32 + 1 FOR 32) AS key
                FROM job_item i CROSS JOIN generate_series(0, cur.s - 1) AS x
                WHERE i.job_id = cur.job_id
                  AND i.item_pos BETWEEN cur.issued / cur.s + 1 AND (cur.issued + n - 1) / cur.s + 1
                  AND (i.item_pos - 1) * cur.s + x + 1 BETWEEN cur.issued + 1 AND cur.issued + n),
            asked AS (
                -- a probe of the cache per sample: written as EXISTS, a generic plan may hash the whole cache instead
                SELECT f.*, c.hit IS NOT NULL AS cached
                FROM fresh f LEFT JOIN LATERAL (SELECT true AS hit FROM result y WHERE y.cache_key = f.key LIMIT 1) c ON true
                ORDER BY f.seq)
            SELECT (SELECT id FROM leased), array_agg(a.seq), array_agg(a.item_pos), array_agg(a.x), array_agg(a.prompt),
                   array_agg(a.key), array_agg(a.cached), count(*) FILTER (WHERE NOT a.cached)
            INTO rid, a_seq, a_pos, a_sample, a_prompt, a_key, a_cached, fresh_paid
            FROM asked a;
            RETURN QUERY
                SELECT -(rid * 65536 + (u.seq - cur.issued - 1)), cur.job_id, u.seq, u.pos, u.sample, u.prompt, u.key, u.cached, 0
                FROM unnest(a_seq, a_pos, a_sample, a_prompt, a_key, a_cached) AS u(seq, pos, sample, prompt, key, cached);
            paid := paid + fresh_paid;
            k := k - n;
        END LOOP;
    END IF;

    UPDATE teacher_quota
    SET requests_avail = q_requests - paid, tokens_avail = q_tokens - paid * q_estimate, token_estimate = q_estimate,
        refreshed_at = as_of, floor_job = f_job, floor_id = f_id, full_scan_at = f_at
    WHERE teacher_id = p_teacher;
END
$$;

-- A store for outcomes of both kinds. Task rows' outcomes (a_*, h_task, r_*, f_*, l_task: version 5's
-- store_outcomes arguments) are stored by store_outcomes. Samples of ranges come as rows of arrays that say
-- which sample each is (id, job, seq, item position, sample index, cache key): answered ones in ra_*, with the
-- answer's columns; the others in ro_*, with their kind (h from the cache, r to try again, f failed,
-- l released) and, for a try again, its delay and whether it counts, and the error.
-- * Samples of ranges the storer still holds, and not settled before (a store repeated after a lost reply
--   settles nothing twice): results are inserted, tries again, failures and released samples become task rows,
--   and the range's bits and open count say so; a range with nothing open goes.
-- * Samples of ranges that are gone (the lease expired and the range became tasks): an answer is stored for the
--   sample's task, as store_outcomes stores a task's, if that task is still open; anything else is left to
--   whoever leases the task now.
CREATE FUNCTION store_work(p_owner text, p_max_attempts int,
                           a_task bigint[], a_reasoning text[], a_content text[], a_answer text[], a_finish text[],
                           a_prompt_tokens bigint[], a_completion_tokens bigint[], a_latency_ms bigint[],
                           h_task bigint[],
                           r_task bigint[], r_delay_ms bigint[], r_counted int[], r_error text[],
                           f_task bigint[], f_error text[],
                           l_task bigint[],
                           j_id bigint[], j_requests bigint[], j_failed_requests bigint[],
                           j_prompt_tokens bigint[], j_completion_tokens bigint[],
                           ra_id bigint[], ra_job bigint[], ra_seq bigint[], ra_pos bigint[], ra_sample int[], ra_key bytea[],
                           ra_reasoning text[], ra_content text[], ra_answer text[], ra_finish text[],
                           ra_prompt_tokens bigint[], ra_completion_tokens bigint[], ra_latency_ms bigint[],
                           ro_id bigint[], ro_job bigint[], ro_seq bigint[], ro_pos bigint[], ro_sample int[], ro_key bytea[],
                           ro_kind text[], ro_delay_ms bigint[], ro_counted int[], ro_error text[])
RETURNS TABLE (answered int, from_cache int)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
    fresh       bigint[] := '{}';
    all_fresh   boolean := true;
    ranges      int := 0;
    live        int := 0;
    done_jobs   bigint[] := '{}';
    cached_jobs bigint[] := '{}';
    failed_jobs bigint[] := '{}';
    more        bigint[];
    gone_a      bigint[];
    gone_t      bigint[];
    s           record;
BEGIN
    IF cardinality(ra_id) + cardinality(ro_id) > 0 THEN
        -- the storer's ranges, locked in id order (claims skip them while they are locked): which samples are
        -- settled now (fresh), and what the ranges hold after
        WITH mine AS (
            SELECT u.id, (-u.id) / 65536 AS rid, ((-u.id) % 65536)::int AS off FROM unnest(ra_id || ro_id) AS u(id)),
        locked AS (
            SELECT x.id, x.settled, x.open FROM task_range x
            WHERE x.id = ANY (ARRAY(SELECT DISTINCT m.rid FROM mine m)) AND x.owner = p_owner
            ORDER BY x.id FOR UPDATE),
        settling AS (
            SELECT m.id, m.rid, m.off FROM mine m JOIN locked l ON l.id = m.rid
            WHERE m.off < length(l.settled) AND get_bit(l.settled, m.off) = 0),
        per AS (
            SELECT l.id, l.open - count(*) AS open, bit_or(set_bit(l.settled, g.off, 1)) AS settled
            FROM locked l JOIN settling g ON g.rid = l.id GROUP BY l.id, l.open),
        kept AS (
            UPDATE task_range x SET settled = per.settled, open = per.open FROM per WHERE x.id = per.id AND per.open > 0),
        emptied AS (
            DELETE FROM task_range x USING per WHERE x.id = per.id AND per.open <= 0)
        SELECT coalesce((SELECT array_agg(g.id) FROM settling g), '{}'), (SELECT count(*) FROM locked),
               (SELECT count(DISTINCT m.rid) FROM mine m)
        INTO fresh, live, ranges;
        -- almost always every sample is settled now: then no sample is looked up in the list
        all_fresh := cardinality(fresh) = cardinality(ra_id) + cardinality(ro_id);

        IF cardinality(ra_id) > 0 THEN
            WITH answers AS (
                INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                    finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
                SELECT u.job, u.seq, u.pos, u.sample, u.id, u.key, u.reasoning, u.content, u.answer, u.finish, u.pt, u.ct, u.lat, 1, false
                FROM unnest(ra_id, ra_job, ra_seq, ra_pos, ra_sample, ra_key, ra_reasoning, ra_content, ra_answer, ra_finish,
                            ra_prompt_tokens, ra_completion_tokens, ra_latency_ms)
                     AS u(id, job, seq, pos, sample, key, reasoning, content, answer, finish, pt, ct, lat)
                WHERE all_fresh OR u.id = ANY (fresh)
                ON CONFLICT (job_id, seq) DO NOTHING
                RETURNING job_id)
            SELECT coalesce(array_agg(job_id), '{}') INTO done_jobs FROM answers;
        END IF;

        IF cardinality(ro_id) > 0 THEN
            WITH settled AS (
                SELECT u.* FROM unnest(ro_id, ro_job, ro_seq, ro_pos, ro_sample, ro_key, ro_kind, ro_delay_ms, ro_counted, ro_error)
                         AS u(id, job, seq, pos, sample, key, kind, delay, counted, error)
                WHERE all_fresh OR u.id = ANY (fresh)),
            hits AS (
                INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                    finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
                SELECT g.job, g.seq, g.pos, g.sample, g.id, g.key, c.reasoning, c.content, c.final_answer, c.finish_reason,
                       c.prompt_tokens, c.completion_tokens, c.latency_ms, 0, true
                FROM settled g CROSS JOIN LATERAL (SELECT * FROM result y WHERE y.cache_key = g.key LIMIT 1) c
                WHERE g.kind = 'h'
                ON CONFLICT (job_id, seq) DO NOTHING
                RETURNING job_id),
            tasks AS (
                INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key, state, not_before, attempts,
                                  counted_failures, last_error)
                SELECT g.job, (SELECT j.teacher_id FROM job j WHERE j.id = g.job), g.seq, g.pos, g.sample, g.key,
                       CASE WHEN g.kind = 'f' OR (g.kind = 'r' AND g.counted >= p_max_attempts) THEN 'failed' ELSE 'pending' END,
                       now() + coalesce(g.delay, 0) * interval '1 millisecond', CASE WHEN g.kind = 'l' THEN 0 ELSE 1 END,
                       coalesce(g.counted, 0), g.error
                FROM settled g WHERE g.kind IN ('r', 'f', 'l')
                ON CONFLICT (job_id, seq) DO NOTHING
                RETURNING job_id, state)
            SELECT coalesce((SELECT array_agg(job_id) FROM hits), '{}'),
                   coalesce((SELECT array_agg(job_id) FROM tasks WHERE state = 'failed'), '{}')
            INTO cached_jobs, failed_jobs;
        END IF;

        IF live < ranges THEN
            -- samples of ranges gone meanwhile: answers go to their tasks, with the task rows' outcomes
            SELECT array_agg(u.ord), array_agg(t.id) INTO gone_a, gone_t
            FROM unnest(ra_id, ra_job, ra_seq) WITH ORDINALITY AS u(id, job, seq, ord)
            JOIN task t ON t.job_id = u.job AND t.seq = u.seq
            WHERE NOT (u.id = ANY (fresh));
            IF gone_a IS NOT NULL THEN
                SELECT a_task || array_agg(m.t), a_reasoning || array_agg(ra_reasoning[m.o]), a_content || array_agg(ra_content[m.o]),
                       a_answer || array_agg(ra_answer[m.o]), a_finish || array_agg(ra_finish[m.o]),
                       a_prompt_tokens || array_agg(ra_prompt_tokens[m.o]), a_completion_tokens || array_agg(ra_completion_tokens[m.o]),
                       a_latency_ms || array_agg(ra_latency_ms[m.o])
                INTO a_task, a_reasoning, a_content, a_answer, a_finish, a_prompt_tokens, a_completion_tokens, a_latency_ms
                FROM unnest(gone_a, gone_t) AS m(o, t);
            END IF;
            h_task := h_task || ARRAY(SELECT t.id FROM unnest(ro_id, ro_job, ro_seq, ro_kind) AS u(id, job, seq, kind)
                                      JOIN task t ON t.job_id = u.job AND t.seq = u.seq
                                      WHERE u.kind = 'h' AND NOT (u.id = ANY (fresh)));
        END IF;
    END IF;

    IF cardinality(a_task) + cardinality(h_task) + cardinality(r_task) + cardinality(f_task) + cardinality(l_task) > 0 THEN
        -- task rows: store_outcomes also counts the jobs' requests and tokens and finishes jobs, so the ranges'
        -- samples are counted first
        IF cardinality(done_jobs) + cardinality(cached_jobs) + cardinality(failed_jobs) > 0 THEN
            PERFORM 1 FROM job WHERE id = ANY (done_jobs || cached_jobs || failed_jobs) ORDER BY id FOR NO KEY UPDATE;
            UPDATE job j
            SET done_count = j.done_count + c.done, cached_count = j.cached_count + c.cached, failed_count = j.failed_count + c.failed
            FROM (SELECT x.id, sum(x.done) AS done, sum(x.cached) AS cached, sum(x.failed) AS failed
                  FROM (SELECT d AS id, 1 AS done, 0 AS cached, 0 AS failed FROM unnest(done_jobs) AS d
                        UNION ALL SELECT h, 1, 1, 0 FROM unnest(cached_jobs) AS h
                        UNION ALL SELECT f, 0, 0, 1 FROM unnest(failed_jobs) AS f) x
                  GROUP BY x.id) c
            WHERE j.id = c.id;
        END IF;
        SELECT * INTO s FROM store_outcomes(p_owner, p_max_attempts, a_task, a_reasoning, a_content, a_answer, a_finish,
                                            a_prompt_tokens, a_completion_tokens, a_latency_ms, h_task, r_task, r_delay_ms,
                                            r_counted, r_error, f_task, f_error, l_task, j_id, j_requests, j_failed_requests,
                                            j_prompt_tokens, j_completion_tokens);
        answered := s.answered + cardinality(done_jobs);
        from_cache := s.from_cache + cardinality(cached_jobs);
        RETURN NEXT;
        RETURN;
    END IF;

    -- only samples of ranges: their counts, requests and tokens in one update per job, and jobs that finish
    IF cardinality(j_id) > 1 THEN
        PERFORM 1 FROM job WHERE id = ANY (j_id) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    WITH counted AS (
        UPDATE job j
        SET done_count = j.done_count + c.done, cached_count = j.cached_count + c.cached,
            failed_count = j.failed_count + c.failed, requests = j.requests + c.requests,
            failed_requests = j.failed_requests + c.failed_requests,
            prompt_tokens = j.prompt_tokens + c.pt, completion_tokens = j.completion_tokens + c.ct
        FROM (SELECT x.id, sum(x.done) AS done, sum(x.cached) AS cached, sum(x.failed) AS failed, sum(x.requests) AS requests,
                     sum(x.failed_requests) AS failed_requests, sum(x.pt) AS pt, sum(x.ct) AS ct
              FROM (SELECT d AS id, 1 AS done, 0 AS cached, 0 AS failed, 0::bigint AS requests, 0::bigint AS failed_requests,
                           0::bigint AS pt, 0::bigint AS ct FROM unnest(done_jobs) AS d
                    UNION ALL SELECT h, 1, 1, 0, 0, 0, 0, 0 FROM unnest(cached_jobs) AS h
                    UNION ALL SELECT f, 0, 0, 1, 0, 0, 0, 0 FROM unnest(failed_jobs) AS f
                    UNION ALL SELECT u.id, 0, 0, 0, u.requests, u.failed_requests, u.pt, u.ct
                              FROM unnest(j_id, j_requests, j_failed_requests, j_prompt_tokens, j_completion_tokens)
                                   AS u(id, requests, failed_requests, pt, ct)) x
              GROUP BY x.id) c
        WHERE j.id = c.id
        RETURNING j.id, j.loaded AND j.done_count + j.failed_count >= j.task_count AS settled)
    SELECT coalesce(array_agg(id) FILTER (WHERE settled), '{}') INTO more FROM counted;
    IF cardinality(more) > 0 THEN
        PERFORM finish_jobs(more);
    END IF;
    answered := cardinality(done_jobs);
    from_cache := cardinality(cached_jobs);
    RETURN NEXT;
END
$$;

-- Renews the leases of an owner's tasks and ranges, by id (negative ids name samples of ranges). Rows a store
-- holds are skipped rather than waited for: they are being settled.
CREATE FUNCTION renew_leases(p_owner text, p_ids bigint[], p_lease_ms bigint) RETURNS int
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
    n int;
    m int;
BEGIN
    UPDATE task SET lease_until = now() + p_lease_ms * interval '1 millisecond'
    WHERE id IN (SELECT id FROM task WHERE id = ANY (p_ids) AND lease_owner = p_owner AND state = 'leased'
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE task_range SET lease_until = now() + p_lease_ms * interval '1 millisecond'
    WHERE id IN (SELECT id FROM task_range
                 WHERE id = ANY (ARRAY(SELECT DISTINCT (-v) / 65536 FROM unnest(p_ids) AS v WHERE v < 0)) AND owner = p_owner
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END
$$;

-- Samples waiting for a worker, per teacher, in running jobs: pending tasks, and samples loaded but not
-- issued yet. The autoscaling signal (KEDA: SELECT coalesce(sum(pending), 0) FROM pending_tasks()).
CREATE FUNCTION pending_tasks() RETURNS TABLE (teacher_id bigint, pending bigint)
LANGUAGE sql STABLE
AS $$
    SELECT w.teacher_id, sum(w.n)::bigint
    FROM (SELECT t.teacher_id, count(*) AS n FROM task t JOIN job j ON j.id = t.job_id
          WHERE t.state = 'pending' AND j.status = 'running' GROUP BY t.teacher_id
          UNION ALL
          SELECT c.teacher_id, sum(j.task_count - c.issued) FROM job_cursor c JOIN job j ON j.id = c.job_id
          WHERE j.status = 'running' AND j.task_count > c.issued GROUP BY c.teacher_id) w
    GROUP BY w.teacher_id
$$;
