-- Long work (a filter run, an eval run, an import) owned by one replica at a time: service-support's WorkLeases.
-- A row per piece of work while it is unfinished. owner holds it until lease_until, renewing it by heartbeat; a replica
-- that finds a row past lease_until takes it over, and the epoch it sets fences out every later write of the owner
-- before it (a write runs in a transaction that first finds its row with its epoch and owner, FOR SHARE). A replica
-- that stops hands its rows over by ending their leases at once (owner NULL).
CREATE TABLE work_lease (
    kind        text        NOT NULL,
    id          bigint      NOT NULL,
    owner       text,
    epoch       bigint      NOT NULL DEFAULT 0,
    lease_until timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);
CREATE INDEX work_lease_expiry ON work_lease (kind, lease_until);
CREATE INDEX work_lease_owner ON work_lease (owner);
