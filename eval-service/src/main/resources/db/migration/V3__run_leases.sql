-- Runs are owned through work_lease (version 2, service-support's script). Runs that were running before it came
-- get a lease that no one holds, so the first replica that looks takes them over.
INSERT INTO work_lease (kind, id, owner, epoch, lease_until)
SELECT 'eval-run', id, NULL, 0, now() FROM eval_run WHERE status = 'running';
