-- The themes' figures from the tags alone (src/medskapa/followup/queries.py): a programme
-- area's year of tags (20,000 at a million items) was joined to the period's items (100,000)
-- for each tag's status and time to the first answer, on every page view (78 of 340 ms,
-- docs/benchmarks.md). A tag now also carries copies of its item's status, version and
-- exact time to the first answer, kept like its copies of the document and received time
-- (sql/0029), so the themes' figures are one index range over the tags. (item_status, not
-- status: the previous version's statements join the tags to items with a status column.)
ALTER TABLE feedback_themes
    ADD COLUMN item_status text,
    ADD COLUMN version_id bigint,
    ADD COLUMN days_to_first_answer double precision;
UPDATE feedback_themes t
SET item_status = f.status, version_id = f.version_id, days_to_first_answer = f.days_to_first_answer
FROM feedback f WHERE f.id = t.feedback_id;
ALTER TABLE feedback_themes ALTER COLUMN item_status SET NOT NULL;

CREATE OR REPLACE FUNCTION feedback_themes_copy_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT f.document_id, f.created_at, f.status, f.version_id, f.days_to_first_answer
    INTO NEW.document_id, NEW.received_at, NEW.item_status, NEW.version_id,
         NEW.days_to_first_answer
    FROM feedback f WHERE f.id = NEW.feedback_id;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION feedback_themes_follow_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feedback_themes SET document_id = NEW.document_id, received_at = NEW.created_at,
        item_status = NEW.status, version_id = NEW.version_id,
        days_to_first_answer = NEW.days_to_first_answer
    WHERE feedback_id = NEW.id;
    RETURN NULL;
END;
$$;
-- days_to_first_answer is generated from created_at and first_answered_at.
DROP TRIGGER feedback_themes_follow_item ON feedback;
CREATE TRIGGER feedback_themes_follow_item
    AFTER UPDATE OF document_id, created_at, status, version_id, first_answered_at
    ON feedback FOR EACH ROW
    WHEN ((OLD.document_id, OLD.created_at, OLD.status, OLD.version_id, OLD.first_answered_at)
          IS DISTINCT FROM
          (NEW.document_id, NEW.created_at, NEW.status, NEW.version_id, NEW.first_answered_at))
    EXECUTE FUNCTION feedback_themes_follow_item();

DROP INDEX feedback_themes_followup_idx;
CREATE INDEX feedback_themes_followup_idx ON feedback_themes (document_id, received_at)
    INCLUDE (feedback_id, theme_id, item_status, version_id, days_to_first_answer);
