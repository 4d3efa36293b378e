-- After a consultation closes, its subject group may share the comment/response table in
-- confidence with the organisations that sent statements, before the new version is published.
ALTER TABLE consultations
    ADD COLUMN preview_shared_at timestamptz,
    ADD COLUMN preview_shared_by bigint REFERENCES users (id) ON DELETE SET NULL;
