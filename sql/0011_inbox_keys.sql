-- The group inbox at a million items. Its filters (status, category, document) are on the
-- item, its scope (the group) on the route, so PostgreSQL had to walk all items in date order
-- and check each one's group: fast when the filter matches often in the group, a walk over
-- every item when it matches seldom or never (measured at 1,000,000 items: a category the group
-- has none of took 1.1 s, status in_review 0.7 s, the oldest unanswered item 0.6 s).
--
-- A route now carries copies of the item's received time, status, category and document, kept
-- by triggers, so that each filter is one ordered index range within the group. The copies are
-- only ever written by these triggers: on a new route from the item, and on every change of the
-- item's status, category or document to all its routes, in the same statement.
ALTER TABLE feedback_routes
    ADD COLUMN received_at timestamptz,
    ADD COLUMN status      text,
    ADD COLUMN category    text,
    ADD COLUMN document_id bigint;

UPDATE feedback_routes r
SET received_at = f.created_at, status = f.status, category = f.category,
    document_id = f.document_id
FROM feedback f WHERE f.id = r.feedback_id;

ALTER TABLE feedback_routes
    ALTER COLUMN received_at SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN category SET NOT NULL,
    ALTER COLUMN document_id SET NOT NULL;

CREATE FUNCTION feedback_routes_copy_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT f.created_at, f.status, f.category, f.document_id
    INTO NEW.received_at, NEW.status, NEW.category, NEW.document_id
    FROM feedback f WHERE f.id = NEW.feedback_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_routes_copy_item BEFORE INSERT ON feedback_routes
    FOR EACH ROW EXECUTE FUNCTION feedback_routes_copy_item();

CREATE FUNCTION feedback_routes_follow_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feedback_routes
    SET status = NEW.status, category = NEW.category, document_id = NEW.document_id
    WHERE feedback_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_routes_follow_item AFTER UPDATE OF status, category, document_id
    ON feedback FOR EACH ROW
    WHEN ((OLD.status, OLD.category, OLD.document_id)
          IS DISTINCT FROM (NEW.status, NEW.category, NEW.document_id))
    EXECUTE FUNCTION feedback_routes_follow_item();

CREATE INDEX feedback_routes_inbox_idx
    ON feedback_routes (group_id, received_at DESC, feedback_id DESC);
CREATE INDEX feedback_routes_status_idx
    ON feedback_routes (group_id, status, received_at DESC, feedback_id DESC);
CREATE INDEX feedback_routes_category_idx
    ON feedback_routes (group_id, category, received_at DESC, feedback_id DESC);
CREATE INDEX feedback_routes_document_idx
    ON feedback_routes (group_id, document_id, received_at DESC, feedback_id DESC);
