-- generation-service schema, version 6: a claim no longer waits for the claimer's store.
--
-- Concurrency is counted in the database (leased tasks), and a task keeps its lease until its outcome is
-- stored. A worker therefore stored its answered tasks before it claimed again: two round trips in a row for
-- every refill, and many small stores (about 10 outcomes each in the overhead bench: 1,936 stores and 668
-- claims for 20,000 samples). The claim now takes the ids of the claimer's tasks that are answered but not yet
-- stored (p_answered) and leaves them out of its count of tasks in flight; the worker claims as soon as slots
-- are free and stores in batches of its own (PostgreSQL's CPU per sample in the bench: 0.21-0.26 ms before,
-- 0.19 after). Counting by id holds however the claim and the store interleave: a task stored meanwhile is no
-- longer leased, one not yet stored is left out by its id. One case counts one task short: an answered task
-- whose lease expired in the buffer and which another replica leased again (a lease is a minute, renewed every
-- 20 s while the task waits).
--
-- Version 5's eleven-argument claim stays, for replicas of the previous release during a rolling update; it is
-- this one with no answered tasks.
-- QueueFunctionsTest (QueuePlansTest in version 5's notes) checks the count.

CREATE FUNCTION claim_tasks(p_teacher bigint, p_owner text, p_want int, p_lease_ms bigint,
                            p_rpm bigint, p_tpm bigint, p_max_concurrency int, p_burst_seconds int,
                            p_token_guess double precision, p_paid_requests bigint, p_paid_tokens bigint,
                            p_answered bigint[])
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
    -- the claimer's answered tasks still hold their leases until they are stored, but no longer hold a slot
    SELECT count(*) INTO in_flight FROM task
    WHERE teacher_id = p_teacher AND state = 'leased' AND id <> ALL (p_answered);

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

CREATE OR REPLACE FUNCTION claim_tasks(p_teacher bigint, p_owner text, p_want int, p_lease_ms bigint,
                                       p_rpm bigint, p_tpm bigint, p_max_concurrency int, p_burst_seconds int,
                                       p_token_guess double precision, p_paid_requests bigint, p_paid_tokens bigint)
RETURNS TABLE (c_id bigint, c_job_id bigint, c_seq bigint, c_item_pos bigint, c_sample_index int, c_prompt text,
               c_cache_key bytea, c_cached boolean, c_counted_failures int)
LANGUAGE sql
AS $$
    SELECT * FROM claim_tasks(p_teacher, p_owner, p_want, p_lease_ms, p_rpm, p_tpm, p_max_concurrency, p_burst_seconds,
                              p_token_guess, p_paid_requests, p_paid_tokens, '{}'::bigint[])
$$;
