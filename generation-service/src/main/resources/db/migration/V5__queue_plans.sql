-- generation-service schema, version 5: the queue's statements have one plan whatever the statistics say.
--
-- Between two jobs the task table is empty. When autovacuum analyzes it then, the workers' cached plans are
-- dropped, and the workers, polling for work, plan the claim again on an empty table. That plan stays cached
-- until autovacuum next analyzes the table, up to a minute later. Version 4's claim, planned so, walked the task
-- table by (job_id, seq) and re-ran the pick of pending tasks for every row it met: 2 s a claim by the middle of
-- a 20,000-task job, the overhead bench's "stall" (one run in three or four, depending on when autovacuum came).
--
-- Both functions are replaced with statements that leave the planner no other shape:
-- - the claim picks its tasks in a sub-select that becomes an array (an InitPlan, run once) of their row
--   addresses, and leases them by a TID scan, re-checking that each is still pending (a concurrent cancel or
--   store, as before); the job's status is a scalar sub-select per task, not a join the planner could reorder;
--   the prompt is read per leased task by job_item's primary key;
-- - the store joins a batch to its tasks through a LATERAL sub-select that cannot be flattened (OFFSET 0), so each
--   outcome finds its task by primary key; every UPDATE of tasks is bounded by id = ANY(batch); the check that a
--   settled task's result exists is a correlated sub-select (OFFSET 0 keeps it from becoming a join). The store's
--   plans were not seen to go wrong; they are made as robust as the claim's.
-- QueuePlansTest goes through that sequence and counts the buffers each claim and store touch.

CREATE OR REPLACE FUNCTION claim_tasks(p_teacher bigint, p_owner text, p_want int, p_lease_ms bigint,
                            p_rpm bigint, p_tpm bigint, p_max_concurrency int, p_burst_seconds int,
                            p_token_guess double precision, p_paid_requests bigint, p_paid_tokens bigint)
RETURNS TABLE (c_id bigint, c_job_id bigint, c_seq bigint, c_item_pos bigint, c_sample_index int, c_prompt text,
               c_cache_key bytea, c_cached boolean, c_counted_failures int)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
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
    k          bigint;
    paid       bigint := 0;
    r          record;
    pick       refcursor;
BEGIN
    INSERT INTO teacher_quota (teacher_id, requests_avail, tokens_avail, token_estimate)
    VALUES (p_teacher, full_requests, full_tokens, p_token_guess) ON CONFLICT (teacher_id) DO NOTHING;

    SELECT requests_avail, tokens_avail, token_estimate, extract(epoch FROM clock_timestamp() - refreshed_at), clock_timestamp(),
           floor_job, floor_id, full_scan_at
    INTO q_requests, q_tokens, q_estimate, elapsed, as_of, f_job, f_id, f_at
    FROM teacher_quota WHERE teacher_id = p_teacher FOR UPDATE;

    q_estimate := greatest(1, q_estimate);
    IF p_paid_requests > 0 THEN
        q_tokens := q_tokens + p_paid_requests * q_estimate - p_paid_tokens;
        q_estimate := greatest(1, 0.8 * q_estimate + 0.2 * (p_paid_tokens::double precision / p_paid_requests));
    END IF;

    -- the buckets are full as of this instant: the claim's own duration is refilled by the next one
    elapsed := greatest(0, elapsed);
    q_requests := CASE WHEN p_rpm IS NULL THEN 0 ELSE least(full_requests, q_requests + elapsed * p_rpm / 60.0) END;
    q_tokens := CASE WHEN p_tpm IS NULL THEN 0
                     ELSE least(greatest(q_estimate, full_tokens), q_tokens + elapsed * p_tpm / 60.0) END;

    -- leases that expired go back to the queue before concurrency is counted
    UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL
    WHERE teacher_id = p_teacher AND state = 'leased' AND lease_until < now();
    SELECT count(*) INTO in_flight FROM task WHERE teacher_id = p_teacher AND state = 'leased';

    k := least(p_want, p_max_concurrency - in_flight);
    IF p_rpm IS NOT NULL THEN
        k := least(k, floor(q_requests)::bigint);
    END IF;
    IF p_tpm IS NOT NULL THEN
        -- one request may take the bucket below zero; the deficit is repaid before the next
        k := least(k, CASE WHEN q_tokens <= 0 THEN 0 ELSE greatest(1, floor(q_tokens / q_estimate)::bigint) END);
    END IF;

    IF k > 0 THEN
        -- a scan from the start is due once a second; otherwise the claim starts at the floor, and what it does
        -- not find after it waits for the next full scan
        from_floor := f_job IS NOT NULL AND f_at IS NOT NULL AND f_at > as_of - full_scan_every;
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
            -- planned at each call (at most once a second): a cached plan for the scan from the start is what
            -- version 3 found sorting the whole queue
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
            -- the next claim starts after the furthest task of this one
            IF n_job IS NULL OR (r.job_id, r.id) > (n_job, n_id) THEN
                n_job := r.job_id;
                n_id := r.id;
            END IF;
            RETURN NEXT;
        END LOOP;
        CLOSE pick;
        IF NOT from_floor THEN
            f_at := as_of;
        END IF;
        IF n_job IS NOT NULL THEN
            f_job := n_job;
            f_id := n_id;
        END IF;
    END IF;

    UPDATE teacher_quota
    SET requests_avail = q_requests - paid, tokens_avail = q_tokens - paid * q_estimate, token_estimate = q_estimate,
        refreshed_at = as_of, floor_job = f_job, floor_id = f_id, full_scan_at = f_at
    WHERE teacher_id = p_teacher;
END
$$;

-- A batch of outcomes in one round trip (one statement, so one transaction): results, at most one per job and
-- seq; the tasks they settle; retries, failures and released tasks; the jobs' counters; and the jobs that thereby
-- finish. Arrays of one outcome kind are parallel; a task that was cancelled, or settled by another worker
-- meanwhile, is left as it is. j_id names every job of the batch, with its requests and tokens (a request was
-- paid for whether or not its result is stored).
CREATE OR REPLACE FUNCTION store_outcomes(p_owner text, p_max_attempts int,
                               a_task bigint[], a_reasoning text[], a_content text[], a_answer text[], a_finish text[],
                               a_prompt_tokens bigint[], a_completion_tokens bigint[], a_latency_ms bigint[],
                               h_task bigint[],
                               r_task bigint[], r_delay_ms bigint[], r_counted int[], r_error text[],
                               f_task bigint[], f_error text[],
                               l_task bigint[],
                               j_id bigint[], j_requests bigint[], j_failed_requests bigint[],
                               j_prompt_tokens bigint[], j_completion_tokens bigint[])
RETURNS TABLE (answered int, from_cache int)
LANGUAGE plpgsql
-- cached plans go by index whatever the queue's size was when they were made (see claim_tasks)
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
    done_jobs   bigint[] := '{}';
    cached_jobs bigint[] := '{}';
    failed_jobs bigint[] := '{}';
    more        bigint[];
BEGIN
    IF cardinality(a_task) > 0 THEN
        WITH ins AS (
            INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
            SELECT t.job_id, t.seq, t.item_pos, t.sample_index, t.id, t.cache_key, u.reasoning, u.content, u.answer,
                   u.finish, u.pt, u.ct, u.lat, t.attempts + 1, false
            FROM unnest(a_task, a_reasoning, a_content, a_answer, a_finish, a_prompt_tokens, a_completion_tokens, a_latency_ms)
                 AS u(task_id, reasoning, content, answer, finish, pt, ct, lat)
            CROSS JOIN LATERAL (SELECT * FROM task x WHERE x.id = u.task_id AND x.state IN ('leased', 'pending') OFFSET 0) t
            ON CONFLICT (job_id, seq) DO NOTHING
            RETURNING job_id)
        SELECT coalesce(array_agg(job_id), '{}') INTO done_jobs FROM ins;
    END IF;

    IF cardinality(h_task) > 0 THEN
        WITH ins AS (
            INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
            SELECT t.job_id, t.seq, t.item_pos, t.sample_index, t.id, t.cache_key, s.reasoning, s.content, s.final_answer,
                   s.finish_reason, s.prompt_tokens, s.completion_tokens, s.latency_ms, t.attempts, true
            FROM task t
            CROSS JOIN LATERAL (SELECT * FROM result r WHERE r.cache_key = t.cache_key LIMIT 1) s
            WHERE t.id = ANY(h_task) AND t.state IN ('leased', 'pending')
            ON CONFLICT (job_id, seq) DO NOTHING
            RETURNING job_id)
        SELECT coalesce(array_agg(job_id), '{}') INTO cached_jobs FROM ins;
    END IF;

    -- tasks whose result is stored (by this worker or by another) leave the queue
    IF cardinality(a_task) > 0 OR cardinality(h_task) > 0 THEN
        DELETE FROM task t
        WHERE t.id = ANY(a_task || h_task) AND t.state IN ('leased', 'pending')
          AND EXISTS (SELECT 1 FROM result r WHERE r.job_id = t.job_id AND r.seq = t.seq OFFSET 0);
    END IF;

    IF cardinality(r_task) > 0 THEN
        WITH upd AS (
            UPDATE task t
            SET state = CASE WHEN t.counted_failures + u.counted >= p_max_attempts THEN 'failed' ELSE 'pending' END,
                not_before = now() + u.delay * interval '1 millisecond',
                attempts = t.attempts + 1, counted_failures = t.counted_failures + u.counted,
                last_error = u.error, lease_owner = NULL, lease_until = NULL
            FROM unnest(r_task, r_delay_ms, r_counted, r_error) AS u(id, delay, counted, error)
            WHERE t.id = ANY(r_task) AND t.id = u.id AND t.state = 'leased' AND t.lease_owner = p_owner
            RETURNING t.job_id, t.state)
        SELECT coalesce(array_agg(job_id) FILTER (WHERE state = 'failed'), '{}') INTO more FROM upd;
        failed_jobs := failed_jobs || more;
    END IF;

    IF cardinality(f_task) > 0 THEN
        WITH upd AS (
            UPDATE task t SET state = 'failed', attempts = t.attempts + 1, last_error = u.error,
                              lease_owner = NULL, lease_until = NULL
            FROM unnest(f_task, f_error) AS u(id, error)
            WHERE t.id = ANY(f_task) AND t.id = u.id AND t.state = 'leased' AND t.lease_owner = p_owner
            RETURNING t.job_id)
        SELECT coalesce(array_agg(job_id), '{}') INTO more FROM upd;
        failed_jobs := failed_jobs || more;
    END IF;

    IF cardinality(l_task) > 0 THEN
        UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL
        WHERE id = ANY(l_task) AND state = 'leased' AND lease_owner = p_owner;
    END IF;

    -- two replicas storing for the same jobs lock them in the same order
    IF cardinality(j_id) > 1 THEN
        PERFORM 1 FROM job WHERE id = ANY(j_id) ORDER BY id FOR NO KEY UPDATE;
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

    -- only a job whose every task is now settled can finish
    IF cardinality(more) > 0 THEN
        PERFORM finish_jobs(more);
    END IF;

    answered := cardinality(done_jobs);
    from_cache := cardinality(cached_jobs);
    RETURN NEXT;
END
$$;
