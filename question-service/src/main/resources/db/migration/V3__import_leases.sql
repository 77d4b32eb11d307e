-- Paged imports are owned through work_lease (version 2, service-support's script). Paged imports that were running
-- before it came get a lease that no one holds, so the first replica that looks goes on with them.
INSERT INTO work_lease (kind, id, owner, epoch, lease_until)
SELECT 'import', id, NULL, 0, now() FROM import_run WHERE status = 'RUNNING' AND kind <> 'NDJSON';
