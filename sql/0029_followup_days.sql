-- The follow-up figures' counts per day (src/medskapa/followup): a programme area's year is
-- 100,000 items, and counting them eight ways on every page view took most of the page's time
-- (bench/followup.py, docs/benchmarks.md). Here the counts are kept per Swedish calendar day
-- and per everything the figures filter or break down by, by triggers in the same transaction
-- as the change, so a sum over these rows is always exactly what counting the items gives.
--
-- One row per (group, document, day, version, section, category, region) with items:
-- group_id 0 counts every item once (the figures without a group filter); group_id g counts
-- the items routed to group g (an item routed to two groups is in both groups' rows, so two
-- groups' rows cannot be added up: followup/queries.py then counts the items themselves).
--
-- Counted, as in followup/queries.py: items a moderator let through (the statuses below,
-- written out the same there), on a guidance document (an accessibility report on the site
-- itself has no document and is in no programme area's figures). ``answered``: items with a
-- first answer (feedback.first_answered_at, kept by sql/0024's trigger). The time to the
-- first answer stays on the items: its median and 90th percentile are over the exact times,
-- which a count per day cannot give.
CREATE TABLE followup_days (
    group_id        bigint NOT NULL,
    document_id     bigint NOT NULL,
    day             date NOT NULL,
    version_id      bigint NOT NULL,
    section_key     text,
    category        text NOT NULL,
    care_region     text,
    received        integer NOT NULL,
    answered        integer NOT NULL,
    change_planned  integer NOT NULL,
    changed         integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT
        (group_id, document_id, day, version_id, section_key, category, care_region)
);

-- What the rows hold when worked out from the items: the backfill below, the bench's after
-- its bulk load (without triggers) and the tests' check that the triggers kept them so.
CREATE VIEW followup_days_counted AS
SELECT x.group_id, f.document_id,
       (f.created_at AT TIME ZONE 'Europe/Stockholm')::date AS day,
       f.version_id, f.section_key, f.category, f.care_region,
       count(*)::integer AS received,
       count(f.first_answered_at)::integer AS answered,
       (count(*) FILTER (WHERE f.status = 'change_planned'))::integer AS change_planned,
       (count(*) FILTER (WHERE f.status = 'changed'))::integer AS changed
FROM feedback f
CROSS JOIN LATERAL (
    SELECT 0::bigint AS group_id
    UNION ALL
    SELECT r.group_id FROM feedback_routes r WHERE r.feedback_id = f.id) x
WHERE f.document_id IS NOT NULL
  AND f.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed')
GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE FUNCTION followup_days_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM followup_days;
    INSERT INTO followup_days SELECT * FROM followup_days_counted;
$$;

-- Adds ``delta`` (1 or -1) of one item, as it is in ``item``, to the rows of ``groups``
-- (0 and the groups it is routed to, or the one group of a route). One statement with the
-- rows in key order, so two transactions never take the same rows' locks in opposite orders.
CREATE FUNCTION followup_days_add(item feedback, delta integer, groups bigint[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO followup_days AS s (group_id, document_id, day, version_id, section_key,
        category, care_region, received, answered, change_planned, changed)
    SELECT g, item.document_id, (item.created_at AT TIME ZONE 'Europe/Stockholm')::date,
           item.version_id, item.section_key, item.category, item.care_region, delta,
           CASE WHEN item.first_answered_at IS NOT NULL THEN delta ELSE 0 END,
           CASE WHEN item.status = 'change_planned' THEN delta ELSE 0 END,
           CASE WHEN item.status = 'changed' THEN delta ELSE 0 END
    FROM unnest(groups) g
    WHERE item.document_id IS NOT NULL
      AND item.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned',
                          'changed')
    ORDER BY g
    ON CONFLICT (group_id, document_id, day, version_id, section_key, category, care_region)
    DO UPDATE SET received = s.received + EXCLUDED.received,
                  answered = s.answered + EXCLUDED.answered,
                  change_planned = s.change_planned + EXCLUDED.change_planned,
                  changed = s.changed + EXCLUDED.changed;
$$;

-- An item's own changes: it was let through, withdrawn, answered (its first answer's time is
-- written by sql/0024's trigger), planned, changed, closed, moved to another document,
-- version, section, category or region (or, were it ever deleted, gone). The old state is
-- taken away and the new one added, under its routes as they are now.
CREATE FUNCTION followup_days_on_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    item_id uuid := CASE WHEN TG_OP = 'INSERT' THEN NEW.id ELSE OLD.id END;
    groups bigint[] := ARRAY[0::bigint] || ARRAY(
        SELECT r.group_id FROM feedback_routes r WHERE r.feedback_id = item_id);
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM followup_days_add(OLD, -1, groups);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM followup_days_add(NEW, 1, groups);
        RETURN NULL;
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER followup_days_insert AFTER INSERT ON feedback FOR EACH ROW
    WHEN (NEW.document_id IS NOT NULL AND NEW.status IN (
        'routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed'))
    EXECUTE FUNCTION followup_days_on_item();
CREATE TRIGGER followup_days_update AFTER UPDATE OF status, document_id, version_id,
    section_key, category, care_region, created_at, first_answered_at ON feedback FOR EACH ROW
    WHEN ((OLD.status, OLD.document_id, OLD.version_id, OLD.section_key, OLD.category,
           OLD.care_region, OLD.created_at, OLD.first_answered_at)
          IS DISTINCT FROM
          (NEW.status, NEW.document_id, NEW.version_id, NEW.section_key, NEW.category,
           NEW.care_region, NEW.created_at, NEW.first_answered_at))
    EXECUTE FUNCTION followup_days_on_item();
-- Before the row goes, while its routes can still be read.
CREATE TRIGGER followup_days_delete BEFORE DELETE ON feedback FOR EACH ROW
    WHEN (OLD.document_id IS NOT NULL)
    EXECUTE FUNCTION followup_days_on_item();

-- A route added (moderation, a forward) or taken away (a forward): the item joins or leaves
-- that group's rows as the item is now.
CREATE FUNCTION followup_days_on_route() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    item feedback;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT * INTO item FROM feedback WHERE id = OLD.feedback_id;
        IF FOUND THEN
            PERFORM followup_days_add(item, -1, ARRAY[OLD.group_id]);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT * INTO item FROM feedback WHERE id = NEW.feedback_id;
        IF FOUND THEN
            PERFORM followup_days_add(item, 1, ARRAY[NEW.group_id]);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER followup_days_route AFTER INSERT OR DELETE OR UPDATE OF feedback_id, group_id
    ON feedback_routes FOR EACH ROW EXECUTE FUNCTION followup_days_on_route();

SELECT followup_days_rebuild();

-- The themes' figures are counted from the items (a theme is a group's working tag, not one
-- of the day counts' columns): their items in the period were found by joining every theme tag
-- in the country to the period's items (at a million items, 200,000 tags hashed on every page
-- view). A tag now carries copies of its item's document and received time, kept by triggers
-- like a route's (sql/0011), so a document's tags for a period are one index range.
ALTER TABLE feedback_themes
    ADD COLUMN document_id bigint,
    ADD COLUMN received_at timestamptz;
UPDATE feedback_themes t SET document_id = f.document_id, received_at = f.created_at
FROM feedback f WHERE f.id = t.feedback_id;
ALTER TABLE feedback_themes ALTER COLUMN received_at SET NOT NULL;

CREATE FUNCTION feedback_themes_copy_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT f.document_id, f.created_at INTO NEW.document_id, NEW.received_at
    FROM feedback f WHERE f.id = NEW.feedback_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_themes_copy_item BEFORE INSERT OR UPDATE OF feedback_id
    ON feedback_themes FOR EACH ROW EXECUTE FUNCTION feedback_themes_copy_item();

CREATE FUNCTION feedback_themes_follow_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feedback_themes SET document_id = NEW.document_id, received_at = NEW.created_at
    WHERE feedback_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_themes_follow_item AFTER UPDATE OF document_id, created_at
    ON feedback FOR EACH ROW
    WHEN ((OLD.document_id, OLD.created_at) IS DISTINCT FROM (NEW.document_id, NEW.created_at))
    EXECUTE FUNCTION feedback_themes_follow_item();

CREATE INDEX feedback_themes_followup_idx ON feedback_themes (document_id, received_at)
    INCLUDE (feedback_id, theme_id);

-- The figures' medians and 90th percentiles are over each answered item's exact time to its
-- first answer, in days: worked out from the two timestamps for every item on every page view
-- (numeric arithmetic) it cost more than reading the items (at a million items, 575 of
-- 720 ms for a programme area's year under load). It is stored with the item now, always
-- what the same expression gives (followup/queries.py's direct count still works it out and
-- the tests compare both), and carried by the covering index. Adding it rewrites feedback
-- once (a million items: about a minute).
ALTER TABLE feedback ADD COLUMN days_to_first_answer double precision GENERATED ALWAYS AS
    ((extract(epoch FROM first_answered_at - created_at) / 86400.0)::double precision) STORED;
DROP INDEX feedback_followup_idx;
CREATE INDEX feedback_followup_idx ON feedback (document_id, created_at)
    INCLUDE (id, status, version_id, section_key, category, care_region, first_answered_at,
             days_to_first_answer)
    WHERE status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed');
