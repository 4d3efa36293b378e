-- The audit trail's id. Every checkpoint line (audit/checkpoints.py) names it, so a checkpoint
-- file is never held against another installation's trail. Not a secret (the checkpoint file
-- shows it); it sits with the per-installation values because it is one. A database restored
-- from a backup keeps it, and `medskapa audit verify` then names the events the backup lacks.
INSERT INTO instance_secrets (name, value)
VALUES (
    'audit_trail_id',
    decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')
)
ON CONFLICT (name) DO NOTHING;
