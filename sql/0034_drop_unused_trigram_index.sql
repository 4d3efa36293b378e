-- The trigram index on the feedback text (sql/0006) is never read: similar items are scored
-- with similarity() over a bounded set of candidates, the group's newest items on the same
-- document (triage/cluster_queries.py), which no index can answer; nothing searches the text
-- with % or LIKE. Yet every submission paid for it: a trigram GIN entry per three letters of
-- the text. Measured with pgbench (16 clients) inserting one feedback row: ~2,350-2,830 rows/s
-- with the index, ~3,180-3,240 without. pg_trgm itself stays: similarity() comes from it.
DROP INDEX IF EXISTS feedback_body_trgm_idx;
