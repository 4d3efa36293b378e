-- feedback_followup_idx (0025) has the keys of feedback_document_idx (document_id, created_at)
-- and more beside them: every query that used the older one is served by it as well. Without
-- the older, smaller one the planner reads a programme area's items from the covering index
-- alone instead of visiting the table for each (bench/followup.py, docs/benchmarks.md).
DROP INDEX feedback_document_idx;
