-- The follow-up figures read a programme area's moderated items for a period. Measured at a
-- million items (bench/followup.py, docs/benchmarks.md), the planner preferred the smaller
-- per-document indexes and visited the table for every item. Here:
--
-- feedback_followup_idx (0024) becomes partial, over moderated items only, and carries the
-- item's id too (the themes are joined by it) (the statuses the
-- figures count, written out the same in followup/queries.py), so a period of a document is one
-- range read from the index alone; and feedback_document_idx (document_id, created_at), whose
-- keys it repeats, goes: every query that used it is served by feedback_document_status_idx
-- (document_id, status, created_at) or by this one.
DROP INDEX feedback_document_idx;
DROP INDEX feedback_followup_idx;
CREATE INDEX feedback_followup_idx ON feedback (document_id, created_at)
    INCLUDE (id, status, version_id, section_key, category, care_region, first_answered_at)
    WHERE status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed');
