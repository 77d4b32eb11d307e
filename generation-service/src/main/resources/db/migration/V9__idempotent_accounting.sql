-- generation-service schema: a store repeated after a lost reply counts nothing twice.
--
-- A worker whose store committed but whose reply was lost stores the same outcomes again. Their samples were
-- settled once (results are unique on (job, seq), a range has a bit per sample, a task row is changed only
-- while its owner leases it), and so were the done, cached and failed counts, which count what the store
-- changed. The requests, failed requests and tokens came as sums per job, and were added again. Now:
-- * an outcome's request and tokens count when the store changes its sample: sets its bit in its range, removes
--   its task row (its sample has a result, stored now or by another worker), or tries its task row again or
--   fails it. An outcome that changes nothing counts nothing: a repeat, and an outcome that comes after its
--   sample was settled by another worker (its lease expired under a slow worker; the request was made, but is
--   not counted);
-- * a task row that goes back to the queue (to be tried again, or released) gets a new id. An outcome names
--   the task row as it was claimed, so a repeat finds nothing to change, even when the same worker has leased
--   the task again meanwhile: with the same id it would end that new lease, counting its attempt and request
--   twice and perhaps failing the task while its new request is in flight.
-- store_work (and store_outcomes, which it calls) stay for replicas of the previous release during a rolling
-- update: their stores add their sums as before.
-- QueueFunctionsTest stores each kind of outcome twice.

-- What a store adds to a job's counters.
CREATE TYPE job_counts AS (job_id bigint, done bigint, cached bigint, failed bigint, requests bigint, failed_requests bigint,
                           prompt_tokens bigint, completion_tokens bigint);

-- store_work's outcomes, with each outcome's requests (a_requests, r_requests, f_requests, ra_requests,
-- ro_requests: 1 for the first sample of a request, 0 for the other samples of a request with n and for outcomes
-- that made no request) instead of sums per job. Locks are taken in one order: the storer's ranges (in id order),
-- task rows, then the jobs (in id order), whatever kinds of outcome a batch holds.
CREATE FUNCTION store_work_once(p_owner text, p_max_attempts int,
                                a_task bigint[], a_reasoning text[], a_content text[], a_answer text[], a_finish text[],
                                a_prompt_tokens bigint[], a_completion_tokens bigint[], a_latency_ms bigint[], a_requests int[],
                                h_task bigint[],
                                r_task bigint[], r_delay_ms bigint[], r_counted int[], r_error text[], r_requests int[],
                                f_task bigint[], f_error text[], f_requests int[],
                                l_task bigint[],
                                ra_id bigint[], ra_job bigint[], ra_seq bigint[], ra_pos bigint[], ra_sample int[], ra_key bytea[],
                                ra_reasoning text[], ra_content text[], ra_answer text[], ra_finish text[],
                                ra_prompt_tokens bigint[], ra_completion_tokens bigint[], ra_latency_ms bigint[], ra_requests int[],
                                ro_id bigint[], ro_job bigint[], ro_seq bigint[], ro_pos bigint[], ro_sample int[], ro_key bytea[],
                                ro_kind text[], ro_delay_ms bigint[], ro_counted int[], ro_error text[], ro_requests int[])
RETURNS TABLE (answered int, from_cache int)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
-- Left to choose, PostgreSQL planned the update of the jobs' counters afresh at every store (0.2 ms a store: with
-- one entry per job, a custom plan's estimate is below the generic plan's). Every statement here has one shape, by
-- index, so each keeps its generic plan.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    fresh     bigint[] := '{}';
    all_fresh boolean := true;
    ranges    int := 0;
    live      int := 0;
    -- what each statement changed, per job; the jobs' rows are updated once, at the end
    counts    job_counts[] := '{}';
    finished  bigint[];
    gone_a    bigint[];
    gone_t    bigint[];
BEGIN
    answered := 0;
    from_cache := 0;
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
            -- the answers settled now: their results, and their requests and tokens (a result another worker
            -- stored first does not make the request unpaid), one entry per job
            WITH stored AS (
                INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                    finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
                SELECT u.job, u.seq, u.pos, u.sample, u.id, u.key, u.reasoning, u.content, u.answer, u.finish, u.pt, u.ct, u.lat, 1, false
                FROM unnest(ra_id, ra_job, ra_seq, ra_pos, ra_sample, ra_key, ra_reasoning, ra_content, ra_answer, ra_finish,
                            ra_prompt_tokens, ra_completion_tokens, ra_latency_ms)
                     AS u(id, job, seq, pos, sample, key, reasoning, content, answer, finish, pt, ct, lat)
                WHERE all_fresh OR u.id = ANY (fresh)
                ON CONFLICT (job_id, seq) DO NOTHING
                RETURNING job_id)
            SELECT counts || coalesce(array_agg(ROW(c.job, c.done, 0, 0, c.requests, 0, c.pt, c.ct)::job_counts), '{}')
            INTO counts
            FROM (SELECT x.job, sum(x.done)::bigint AS done, sum(x.requests)::bigint AS requests, sum(x.pt)::bigint AS pt,
                         sum(x.ct)::bigint AS ct
                  FROM (SELECT s.job_id AS job, 1 AS done, 0 AS requests, 0::bigint AS pt, 0::bigint AS ct FROM stored s
                        UNION ALL
                        SELECT u.job, 0, u.requests, u.pt, u.ct
                        FROM unnest(ra_id, ra_job, ra_requests, ra_prompt_tokens, ra_completion_tokens) AS u(id, job, requests, pt, ct)
                        WHERE all_fresh OR u.id = ANY (fresh)) x
                  GROUP BY x.job) c;
        END IF;

        IF cardinality(ro_id) > 0 THEN
            WITH settled AS (
                SELECT u.* FROM unnest(ro_id, ro_job, ro_seq, ro_pos, ro_sample, ro_key, ro_kind, ro_delay_ms, ro_counted, ro_error,
                                       ro_requests)
                         AS u(id, job, seq, pos, sample, key, kind, delay, counted, error, requests)
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
            -- a sample from the cache is done and cached; a try again or a failure made a failed request
            SELECT counts || coalesce(array_agg(ROW(c.job, c.cached, c.cached, c.failed, c.requests, c.requests, 0, 0)::job_counts), '{}')
            INTO counts
            FROM (SELECT x.job, sum(x.cached)::bigint AS cached, sum(x.failed)::bigint AS failed, sum(x.requests)::bigint AS requests
                  FROM (SELECT h.job_id AS job, 1 AS cached, 0 AS failed, 0 AS requests FROM hits h
                        UNION ALL SELECT t.job_id, 0, 1, 0 FROM tasks t WHERE t.state = 'failed'
                        UNION ALL SELECT g.job, 0, 0, coalesce(g.requests, 0) FROM settled g WHERE g.kind IN ('r', 'f')) x
                  GROUP BY x.job) c;
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
                       a_latency_ms || array_agg(ra_latency_ms[m.o]), a_requests || array_agg(ra_requests[m.o])
                INTO a_task, a_reasoning, a_content, a_answer, a_finish, a_prompt_tokens, a_completion_tokens, a_latency_ms, a_requests
                FROM unnest(gone_a, gone_t) AS m(o, t);
            END IF;
            h_task := h_task || ARRAY(SELECT t.id FROM unnest(ro_id, ro_job, ro_seq, ro_kind) AS u(id, job, seq, kind)
                                      JOIN task t ON t.job_id = u.job AND t.seq = u.seq
                                      WHERE u.kind = 'h' AND NOT (u.id = ANY (fresh)));
        END IF;
    END IF;

    -- task rows, as store_outcomes stores them, each outcome's task found by primary key (see its notes)
    IF cardinality(a_task) > 0 THEN
        WITH stored AS (
            INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
            SELECT t.job_id, t.seq, t.item_pos, t.sample_index, t.id, t.cache_key, u.reasoning, u.content, u.answer,
                   u.finish, u.pt, u.ct, u.lat, t.attempts + 1, false
            FROM unnest(a_task, a_reasoning, a_content, a_answer, a_finish, a_prompt_tokens, a_completion_tokens, a_latency_ms)
                 AS u(task_id, reasoning, content, answer, finish, pt, ct, lat)
            CROSS JOIN LATERAL (SELECT * FROM task x WHERE x.id = u.task_id AND x.state IN ('leased', 'pending') OFFSET 0) t
            ON CONFLICT (job_id, seq) DO NOTHING
            RETURNING job_id)
        SELECT counts || coalesce(array_agg(ROW(s.job_id, s.done, 0, 0, 0, 0, 0, 0)::job_counts), '{}') INTO counts
        FROM (SELECT job_id, count(*) AS done FROM stored GROUP BY job_id) s;
    END IF;

    IF cardinality(h_task) > 0 THEN
        WITH stored AS (
            INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
            SELECT t.job_id, t.seq, t.item_pos, t.sample_index, t.id, t.cache_key, s.reasoning, s.content, s.final_answer,
                   s.finish_reason, s.prompt_tokens, s.completion_tokens, s.latency_ms, t.attempts, true
            FROM task t
            CROSS JOIN LATERAL (SELECT * FROM result r WHERE r.cache_key = t.cache_key LIMIT 1) s
            WHERE t.id = ANY (h_task) AND t.state IN ('leased', 'pending')
            ON CONFLICT (job_id, seq) DO NOTHING
            RETURNING job_id)
        SELECT counts || coalesce(array_agg(ROW(s.job_id, s.done, s.done, 0, 0, 0, 0, 0)::job_counts), '{}') INTO counts
        FROM (SELECT job_id, count(*) AS done FROM stored GROUP BY job_id) s;
    END IF;

    -- tasks whose sample has a result (stored now, or by another worker) leave the queue; an answer's request and
    -- tokens count with its task's removal, which a repeat does not find (h_task's entries have none: the arrays
    -- of answers are shorter, and unnest gives nulls)
    IF cardinality(a_task) + cardinality(h_task) > 0 THEN
        WITH removed AS (
            DELETE FROM task t
            USING unnest(a_task || h_task, a_requests, a_prompt_tokens, a_completion_tokens) AS u(id, requests, pt, ct)
            WHERE t.id = ANY (a_task || h_task) AND t.id = u.id AND t.state IN ('leased', 'pending')
              AND EXISTS (SELECT 1 FROM result r WHERE r.job_id = t.job_id AND r.seq = t.seq OFFSET 0)
            RETURNING t.job_id, u.requests, u.pt, u.ct)
        SELECT counts || coalesce(array_agg(ROW(c.job_id, 0, 0, 0, c.requests, 0, c.pt, c.ct)::job_counts), '{}') INTO counts
        FROM (SELECT d.job_id, sum(coalesce(d.requests, 0))::bigint AS requests, sum(coalesce(d.pt, 0))::bigint AS pt,
                     sum(coalesce(d.ct, 0))::bigint AS ct
              FROM removed d GROUP BY d.job_id) c;
    END IF;

    IF cardinality(r_task) > 0 THEN
        -- back to the queue under a new id (or failed, at the bound): a repeat of this outcome finds no task
        WITH tried AS (
            UPDATE task t
            SET id = nextval('task_id_seq'),
                state = CASE WHEN t.counted_failures + u.counted >= p_max_attempts THEN 'failed' ELSE 'pending' END,
                not_before = now() + u.delay * interval '1 millisecond',
                attempts = t.attempts + 1, counted_failures = t.counted_failures + u.counted,
                last_error = u.error, lease_owner = NULL, lease_until = NULL
            FROM unnest(r_task, r_delay_ms, r_counted, r_error, r_requests) AS u(id, delay, counted, error, requests)
            WHERE t.id = ANY (r_task) AND t.id = u.id AND t.state = 'leased' AND t.lease_owner = p_owner
            RETURNING t.job_id, t.state, u.requests)
        SELECT counts || coalesce(array_agg(ROW(c.job_id, 0, 0, c.failed, c.requests, c.requests, 0, 0)::job_counts), '{}') INTO counts
        FROM (SELECT d.job_id, count(*) FILTER (WHERE d.state = 'failed') AS failed, sum(coalesce(d.requests, 0))::bigint AS requests
              FROM tried d GROUP BY d.job_id) c;
    END IF;

    IF cardinality(f_task) > 0 THEN
        WITH ended AS (
            UPDATE task t SET state = 'failed', attempts = t.attempts + 1, last_error = u.error,
                              lease_owner = NULL, lease_until = NULL
            FROM unnest(f_task, f_error, f_requests) AS u(id, error, requests)
            WHERE t.id = ANY (f_task) AND t.id = u.id AND t.state = 'leased' AND t.lease_owner = p_owner
            RETURNING t.job_id, u.requests)
        SELECT counts || coalesce(array_agg(ROW(c.job_id, 0, 0, c.failed, c.requests, c.requests, 0, 0)::job_counts), '{}') INTO counts
        FROM (SELECT d.job_id, count(*) AS failed, sum(coalesce(d.requests, 0))::bigint AS requests FROM ended d GROUP BY d.job_id) c;
    END IF;

    IF cardinality(l_task) > 0 THEN
        UPDATE task SET id = nextval('task_id_seq'), state = 'pending', lease_owner = NULL, lease_until = NULL
        WHERE id = ANY (l_task) AND state = 'leased' AND lease_owner = p_owner;
    END IF;

    -- the jobs' counters, once per job that something was counted for, and the jobs that thereby finish
    IF cardinality(counts) > 0 THEN
        -- two replicas storing for the same jobs lock them in the same order
        IF cardinality(counts) > 1 THEN
            PERFORM 1 FROM job WHERE id = ANY (ARRAY(SELECT c.job_id FROM unnest(counts) AS c)) ORDER BY id FOR NO KEY UPDATE;
        END IF;
        WITH counted AS (
            UPDATE job j
            SET done_count = j.done_count + c.done, cached_count = j.cached_count + c.cached,
                failed_count = j.failed_count + c.failed, requests = j.requests + c.requests,
                failed_requests = j.failed_requests + c.failed_requests,
                prompt_tokens = j.prompt_tokens + c.prompt_tokens, completion_tokens = j.completion_tokens + c.completion_tokens
            FROM (SELECT x.job_id, sum(x.done)::bigint AS done, sum(x.cached)::bigint AS cached, sum(x.failed)::bigint AS failed,
                         sum(x.requests)::bigint AS requests, sum(x.failed_requests)::bigint AS failed_requests,
                         sum(x.prompt_tokens)::bigint AS prompt_tokens, sum(x.completion_tokens)::bigint AS completion_tokens
                  FROM unnest(counts) AS x GROUP BY x.job_id) c
            WHERE j.id = c.job_id
            RETURNING j.id, j.loaded AND j.done_count + j.failed_count >= j.task_count AS settled, c.done, c.cached)
        SELECT coalesce(array_agg(d.id) FILTER (WHERE d.settled), '{}'), coalesce(sum(d.done - d.cached), 0),
               coalesce(sum(d.cached), 0)
        INTO finished, answered, from_cache
        FROM counted d;
        -- only a job whose every task is now settled can finish
        IF cardinality(finished) > 0 THEN
            PERFORM finish_jobs(finished);
        END IF;
    END IF;
    RETURN NEXT;
END
$$;
