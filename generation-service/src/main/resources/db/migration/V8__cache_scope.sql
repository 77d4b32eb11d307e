-- The request cache is keyed by the teacher's endpoint, not only its model name: a teacher registered with another's
-- model name and an endpoint of its own must never answer the other's requests from the cache.
--
-- teacher.cache_scope is what a key covers besides the request: the base URL without trailing slashes, and the
-- teacher's cache_namespace after a newline when it has one (a newline never appears in a URL). A sample's key is
-- sha256(scope as "<bytes>:<scope>" || the digest of the request that V2-V7 used as the key) (CacheKeys), so the keys
-- stored so far are re-keyed here from the digest alone, each with its job's teacher's scope.

ALTER TABLE teacher ADD COLUMN cache_namespace text;
ALTER TABLE teacher ADD COLUMN cache_scope text NOT NULL
    GENERATED ALWAYS AS (rtrim(base_url, '/') || coalesce(E'\n' || cache_namespace, '')) STORED;

CREATE FUNCTION pg_temp.scoped_key(scope text, request bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(octet_length(convert_to(scope, 'UTF8'))::text || ':', 'UTF8') || convert_to(scope, 'UTF8') || request)
$$;

UPDATE result r SET cache_key = pg_temp.scoped_key(t.cache_scope, r.cache_key)
FROM job j JOIN teacher t ON t.id = j.teacher_id
WHERE j.id = r.job_id;

UPDATE task k SET cache_key = pg_temp.scoped_key(t.cache_scope, k.cache_key)
FROM job j JOIN teacher t ON t.id = j.teacher_id
WHERE j.id = k.job_id;

-- job_item.cache_keys: the item's samples' keys one after the other, 32 bytes each
UPDATE job_item i SET cache_keys = (
    SELECT string_agg(pg_temp.scoped_key(t.cache_scope, substring(i.cache_keys FROM g * 32 + 1 FOR 32)), ''::bytea ORDER BY g)
    FROM generate_series(0, length(i.cache_keys) / 32 - 1) g)
FROM job j JOIN teacher t ON t.id = j.teacher_id
WHERE j.id = i.job_id AND length(i.cache_keys) > 0;
