-- A claim in one round trip: the statements TaskQueue.claim used to send one by one (eight with BEGIN and
-- COMMIT) run inside the server as a single statement, which is its own transaction. Each statement of a
-- PL/pgSQL function takes a fresh snapshot, so the count of leased tasks below sees every claim that committed
-- while this one waited for the quota row's lock.
--
-- Limits: requests and tokens per minute are token buckets holding at most burst_seconds of their rate (null
-- means no limit); concurrency counts the teacher's leased tasks on every replica. Tasks answered by the
-- request cache cost no request and no token.
CREATE FUNCTION claim_tasks(p_teacher bigint, p_owner text, p_want int, p_lease_ms bigint,
                            p_rpm bigint, p_tpm bigint, p_max_concurrency int, p_burst_seconds int,
                            p_token_guess double precision)
RETURNS TABLE (c_id bigint, c_job_id bigint, c_seq bigint, c_item_pos bigint, c_sample_index int, c_prompt text,
               c_cache_key bytea, c_cached boolean, c_counted_failures int)
LANGUAGE plpgsql
-- a plan cached while the queue was small (a generic plan, chosen after five calls) would go on sorting the
-- whole queue once it is large: every call plans its statements for its own arguments, as a plain query does
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    full_requests double precision := CASE WHEN p_rpm IS NULL THEN 0 ELSE greatest(1, p_rpm * p_burst_seconds / 60) END;
    full_tokens   double precision := CASE WHEN p_tpm IS NULL THEN 0 ELSE greatest(1, p_tpm * p_burst_seconds / 60) END;
    q_requests double precision;
    q_tokens   double precision;
    q_estimate double precision;
    elapsed    double precision;
    as_of      timestamptz;
    in_flight  bigint;
    k          bigint;
    paid       bigint := 0;
    r          record;
BEGIN
    INSERT INTO teacher_quota (teacher_id, requests_avail, tokens_avail, token_estimate)
    VALUES (p_teacher, full_requests, full_tokens, p_token_guess) ON CONFLICT (teacher_id) DO NOTHING;

    SELECT requests_avail, tokens_avail, token_estimate, extract(epoch FROM clock_timestamp() - refreshed_at), clock_timestamp()
    INTO q_requests, q_tokens, q_estimate, elapsed, as_of
    FROM teacher_quota WHERE teacher_id = p_teacher FOR UPDATE;

    -- the buckets are full as of this instant: the claim's own duration is refilled by the next one
    elapsed := greatest(0, elapsed);
    q_estimate := greatest(1, q_estimate);
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
        FOR r IN
            WITH c AS (
                SELECT t.id FROM task t JOIN job j ON j.id = t.job_id
                WHERE t.teacher_id = p_teacher AND t.state = 'pending' AND t.not_before <= now() AND j.status = 'running'
                ORDER BY t.job_id, t.id
                LIMIT k
                FOR UPDATE OF t SKIP LOCKED)
            UPDATE task t SET state = 'leased', lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond'
            FROM c, job_item i WHERE t.id = c.id AND i.job_id = t.job_id AND i.item_pos = t.item_pos
            RETURNING t.id, t.job_id, t.seq, t.item_pos, t.sample_index, i.prompt, t.cache_key,
                      EXISTS (SELECT 1 FROM result x WHERE x.cache_key = t.cache_key) AS cached, t.counted_failures
        LOOP
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
            RETURN NEXT;
        END LOOP;
    END IF;

    UPDATE teacher_quota
    SET requests_avail = q_requests - paid, tokens_avail = q_tokens - paid * q_estimate, token_estimate = q_estimate,
        refreshed_at = as_of
    WHERE teacher_id = p_teacher;
END
$$;
