-- An item names its document and the version it was written against. Two foreign keys checked
-- them one by one, so nothing in the schema said the version is one of that document's; and
-- each was a lookup and a row lock per submission (every concurrent submission to one document
-- shared the lock on its row and on its version's, which PostgreSQL records as a multixact).
-- One key on the pair says both in one check: the version exists and belongs to the document,
-- which exists because the version's own key says so. Site items have neither (NULL, so the
-- key does not apply), as feedback_subject_target requires. Measured with pgbench (16 clients,
-- the submission's statement, fresh tables): ~2 % of the database's time a submission.
ALTER TABLE document_versions
    ADD CONSTRAINT document_versions_id_document_key UNIQUE (id, document_id);
ALTER TABLE feedback
    DROP CONSTRAINT feedback_document_id_fkey,
    DROP CONSTRAINT feedback_version_id_fkey,
    ADD CONSTRAINT feedback_version_of_document_fkey
        FOREIGN KEY (version_id, document_id) REFERENCES document_versions (id, document_id);
