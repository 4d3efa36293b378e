-- A group's step that leaves everything the follow-up counts hold as it was (an item taken
-- into review, an answered item closed) fired the item's trigger (sql/0029), which took the
-- item out of its day and time rows and put it back: two upserts on each of its groups' rows
-- and a lock on every one of them until commit, for a net change of nothing. Under
-- bench/mixed.py "take into review" spent most of its statement there (EXPLAIN ANALYZE, in one
-- session: the trigger 0.86-0.91 ms of 1.57-1.63 ms), and every member's step on the same
-- document and day waited for those row locks. The trigger's condition compared the status
-- itself; it now compares what the counts hold of it (counted at all, planned, changed) with
-- the item's other keys as before, so such a step does not fire it. Same name, so it keeps
-- its place among the counter triggers (sql/0035).
DROP TRIGGER feedback_followup_days_update ON feedback;
CREATE TRIGGER feedback_followup_days_update AFTER UPDATE OF status, document_id, version_id,
    section_key, category, care_region, created_at, first_answered_at ON feedback FOR EACH ROW
    WHEN ((OLD.document_id, OLD.version_id, OLD.section_key, OLD.category, OLD.care_region,
           OLD.created_at, OLD.first_answered_at,
           OLD.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned',
                          'changed'),
           OLD.status = 'change_planned', OLD.status = 'changed')
          IS DISTINCT FROM
          (NEW.document_id, NEW.version_id, NEW.section_key, NEW.category, NEW.care_region,
           NEW.created_at, NEW.first_answered_at,
           NEW.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned',
                          'changed'),
           NEW.status = 'change_planned', NEW.status = 'changed'))
    EXECUTE FUNCTION followup_days_on_item();
