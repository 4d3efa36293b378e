-- Subject-group triage: answers, assignments, themes, internal notes, clusters of similar
-- items, forwarding between groups, the version a change landed in, and what the group inbox
-- needs to stay fast with a million items (keyset indexes, Swedish full-text search, trigrams
-- where the server has them).

-- The version of the document that contains the change an item led to.
ALTER TABLE feedback
    ADD COLUMN changed_in_version_id bigint REFERENCES document_versions (id),
    -- Swedish full-text search over what the submitter wrote (and quoted). Generated, so a
    -- moderator's redaction or the submitter's erasure updates it in the same statement.
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', coalesce(body, '')), 'A')
        || setweight(to_tsvector('swedish', coalesce(quote_exact, '')), 'B')) STORED;
CREATE INDEX feedback_search_idx ON feedback USING gin (search);
-- Keyset pagination over everything, newest first, and the public table per document.
CREATE INDEX feedback_created_idx ON feedback (created_at DESC, id DESC);
CREATE INDEX feedback_document_status_idx ON feedback (document_id, status, created_at DESC, id DESC);
CREATE INDEX feedback_changed_in_idx ON feedback (changed_in_version_id)
    WHERE changed_in_version_id IS NOT NULL;
-- Urgent items are few; the "possible patient-safety signal" filter reads them newest first.
CREATE INDEX feedback_urgent_idx ON feedback (created_at DESC, id DESC) WHERE urgent;

-- Similar items by trigram similarity where the server ships pg_trgm (PostgreSQL from the
-- distribution does; the embedded one from pgserver does not). Without it, similar items are
-- found with the full-text index instead (triage/queries.py), so both servers work.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXECUTE 'CREATE INDEX feedback_body_trgm_idx ON feedback USING gin (body gin_trgm_ops)';
    END IF;
END;
$$;

-- A group's public answer, and every later one (the newest is shown). Answers are the group's
-- words, not the submitter's, so erasing an item's text keeps them. Which member wrote one is
-- kept as a pseudonym ("user:17"), as in the audit trail.
CREATE TABLE feedback_answers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    status          text NOT NULL CHECK (status IN (
                        'answered', 'closed', 'change_planned', 'changed')),
    body            text CHECK (length(body) BETWEEN 1 AND 5000),
    will_change     boolean,
    reason_code     text,
    version_id      bigint REFERENCES document_versions (id),
    author          text NOT NULL,
    answered_at     timestamptz NOT NULL,
    CHECK (status NOT IN ('answered', 'change_planned')
           OR (body IS NOT NULL AND will_change IS NOT NULL)),
    CHECK (status <> 'closed' OR reason_code IS NOT NULL),
    CHECK (status <> 'changed' OR version_id IS NOT NULL)
);
CREATE INDEX feedback_answers_item_idx ON feedback_answers (feedback_id, answered_at DESC, id DESC);
CREATE INDEX feedback_answers_group_idx ON feedback_answers (group_id, answered_at);

-- Who in a group works on an item: at most one member per group and item.
CREATE TABLE feedback_assignments (
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by     text NOT NULL,
    assigned_at     timestamptz NOT NULL,
    PRIMARY KEY (feedback_id, group_id)
);
CREATE INDEX feedback_assignments_user_idx ON feedback_assignments (group_id, user_id);

-- Each group's own list of themes; archived themes stay on the items already tagged.
CREATE TABLE group_themes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    created_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE UNIQUE INDEX group_themes_name_idx ON group_themes (group_id, lower(name));

CREATE TABLE feedback_themes (
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    theme_id        bigint NOT NULL REFERENCES group_themes (id),
    tagged_by       text NOT NULL,
    tagged_at       timestamptz NOT NULL,
    PRIMARY KEY (feedback_id, theme_id)
);
CREATE INDEX feedback_themes_theme_idx ON feedback_themes (theme_id, feedback_id);

-- Every group starts with the themes most groups use; the lead edits the list.
CREATE FUNCTION group_default_themes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO group_themes (group_id, name)
    SELECT NEW.id, t.theme FROM unnest(ARRAY[
        'Erfarenhetsbaserad kunskap', 'Begriplighet', 'Jämlikhet', 'Sakfel']) AS t (theme);
    RETURN NEW;
END;
$$;
CREATE TRIGGER subject_groups_default_themes AFTER INSERT ON subject_groups
    FOR EACH ROW EXECUTE FUNCTION group_default_themes();
INSERT INTO group_themes (group_id, name)
SELECT g.id, t.theme FROM subject_groups g, unnest(ARRAY[
    'Erfarenhetsbaserad kunskap', 'Begriplighet', 'Jämlikhet', 'Sakfel']) AS t (theme);

-- Notes a group keeps for itself; never shown outside the group.
CREATE TABLE feedback_notes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    author          text NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at      timestamptz NOT NULL
);
CREATE INDEX feedback_notes_item_idx ON feedback_notes (feedback_id, group_id, created_at);

-- Similar items a group merged, so it can read and answer them together. An item is in at
-- most one cluster per group.
CREATE TABLE feedback_clusters (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE feedback_cluster_members (
    cluster_id      bigint NOT NULL REFERENCES feedback_clusters (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    added_by        text NOT NULL,
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (group_id, feedback_id)
);
CREATE INDEX feedback_cluster_members_cluster_idx ON feedback_cluster_members (cluster_id);

-- An item handed from one group to another, with a reason code and a note for the receiving
-- group (group text, never shown to the public or kept in the audit trail).
CREATE TABLE feedback_forwards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    from_group_id   bigint NOT NULL REFERENCES subject_groups (id),
    to_group_id     bigint NOT NULL REFERENCES subject_groups (id),
    reason_code     text NOT NULL,
    note            text CHECK (length(note) BETWEEN 1 AND 1000),
    actor           text NOT NULL,
    forwarded_at    timestamptz NOT NULL,
    CHECK (from_group_id <> to_group_id)
);
CREATE INDEX feedback_forwards_item_idx ON feedback_forwards (feedback_id, forwarded_at);

-- Items per group and status, kept by triggers, so the inbox shows its counts without counting
-- a group's hundreds of thousands of items on every page. Each change adds and subtracts in
-- one statement, rows in (group, status) order, so two changes never lock counters in opposite
-- orders.
CREATE TABLE group_status_counts (
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    status          text NOT NULL,
    items           bigint NOT NULL,
    PRIMARY KEY (group_id, status)
);

CREATE FUNCTION group_status_counts_add(changes jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO group_status_counts (group_id, status, items)
    SELECT (c->>'group_id')::bigint, c->>'status', sum((c->>'delta')::bigint)
    FROM jsonb_array_elements(changes) AS c
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (group_id, status) DO UPDATE SET items = group_status_counts.items + EXCLUDED.items;
$$;

CREATE FUNCTION group_status_counts_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM group_status_counts_add(coalesce(jsonb_agg(c), '[]'))
    FROM feedback_routes r,
         LATERAL (VALUES (r.group_id, OLD.status, -1), (r.group_id, NEW.status, 1))
             AS c (group_id, status, delta)
    WHERE r.feedback_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_status_counts AFTER UPDATE OF status ON feedback
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION group_status_counts_on_status();

CREATE FUNCTION group_status_counts_on_route() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM group_status_counts_add(jsonb_build_array(jsonb_build_object(
            'group_id', NEW.group_id, 'status', f.status, 'delta', 1)))
        FROM feedback f WHERE f.id = NEW.feedback_id;
    ELSE
        PERFORM group_status_counts_add(jsonb_build_array(jsonb_build_object(
            'group_id', OLD.group_id, 'status', f.status, 'delta', -1)))
        FROM feedback f WHERE f.id = OLD.feedback_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_routes_counts AFTER INSERT OR DELETE ON feedback_routes
    FOR EACH ROW EXECUTE FUNCTION group_status_counts_on_route();

INSERT INTO group_status_counts (group_id, status, items)
SELECT r.group_id, f.status, count(*) FROM feedback_routes r
JOIN feedback f ON f.id = r.feedback_id GROUP BY r.group_id, f.status;
