-- Follow-up figures (src/medskapa/followup) over a programme area's hundreds of thousands of
-- items: each needs its received time, status, version, section, category, region and the
-- time of its first answer. Without help that is a heap visit per item and a look-up of its
-- answers (the first answer's minimum), measured in bench/followup.py.
--
-- The first answer's time is kept on the item: written by a trigger when an answer is added
-- (only ever earlier, so an answer dated before another still counts as the first), backfilled
-- here. Answers are never deleted or moved to another item.
ALTER TABLE feedback ADD COLUMN first_answered_at timestamptz;

UPDATE feedback f SET first_answered_at = a.first
FROM (SELECT feedback_id, min(answered_at) AS first FROM feedback_answers GROUP BY feedback_id) a
WHERE a.feedback_id = f.id;

CREATE FUNCTION feedback_first_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feedback SET first_answered_at = NEW.answered_at
    WHERE id = NEW.feedback_id
      AND (first_answered_at IS NULL OR first_answered_at > NEW.answered_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_answers_first AFTER INSERT ON feedback_answers
    FOR EACH ROW EXECUTE FUNCTION feedback_first_answer();

-- Everything the figures read, per document in received order: a programme area's or a
-- document's items for a period are index ranges, read from the index alone.
CREATE INDEX feedback_followup_idx ON feedback (document_id, created_at)
    INCLUDE (status, version_id, section_key, category, care_region, first_answered_at);
