-- Guidance content managed in the product: Markdown section bodies whose headings keep their
-- written numbers, versions that are drafts until published and never change afterwards, and
-- the re-anchoring report a publish builds for every open feedback item.

-- A heading keeps the number it was written with ("4.1 Läkemedel"): the number is stored on
-- its own, the key is the number and the heading's words. A heading written without a number
-- gets a key of words only.
ALTER TABLE sections
    ADD COLUMN number text NOT NULL DEFAULT '' CHECK (number ~ '^([0-9]+(\.[0-9]+)*)?$'),
    ADD COLUMN level smallint NOT NULL DEFAULT 2 CHECK (level IN (2, 3));
UPDATE sections SET number = split_part(key, '-', 1) WHERE key ~ '^[0-9]+(\.[0-9]+)*-';
ALTER TABLE sections DROP CONSTRAINT sections_key_check;
ALTER TABLE sections ADD CONSTRAINT sections_key_check
    CHECK (key ~ '^([0-9]+(\.[0-9]+)*-)?[a-z0-9]+(-[a-z0-9]+)*$' AND length(key) <= 120);

-- A version carries the title and summary it proposes; publishing it makes them the
-- document's. (NULL on versions from before: the document's own apply.)
ALTER TABLE document_versions
    ADD COLUMN title text CHECK (length(title) BETWEEN 1 AND 300),
    ADD COLUMN summary text CHECK (length(summary) <= 5000),
    ADD COLUMN published_at timestamptz,
    ADD COLUMN created_by text NOT NULL DEFAULT 'demo',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE document_versions SET published_at = published_on::timestamptz
WHERE published_on IS NOT NULL;
-- A version inserted already published (by hand, or by an older tool) gets the start of its
-- publication day as the moment it was published.
CREATE FUNCTION fill_published_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_on IS NOT NULL AND NEW.published_at IS NULL THEN
        NEW.published_at := NEW.published_on::timestamptz;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER fill_published_at
    BEFORE INSERT OR UPDATE ON document_versions
    FOR EACH ROW EXECUTE FUNCTION fill_published_at();
ALTER TABLE document_versions ADD CONSTRAINT document_versions_published_check
    CHECK ((published_on IS NULL) = (published_at IS NULL));

-- A published version never changes: neither its own row (label, dates, change summary) nor
-- its sections. Enforced here so that no code path, present or future, can forget it.
CREATE FUNCTION refuse_published_version_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'document_versions' THEN
        IF OLD.published_on IS NOT NULL THEN
            RAISE EXCEPTION 'version % is published and cannot change', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'published_version_unchanged';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT FROM document_versions v
               WHERE v.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.version_id ELSE OLD.version_id END
                 AND v.published_on IS NOT NULL) THEN
        RAISE EXCEPTION 'the sections of a published version cannot change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'published_version_unchanged';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE TRIGGER published_version_unchanged
    BEFORE UPDATE OR DELETE ON document_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_published_version_change();
CREATE TRIGGER published_sections_unchanged
    BEFORE INSERT OR UPDATE OR DELETE ON sections
    FOR EACH ROW EXECUTE FUNCTION refuse_published_version_change();

-- Where each open feedback item's passage is in a version: built for a draft before it is
-- published (rebuilt on every look), frozen with the version when it is published.
CREATE TABLE anchor_placements (
    version_id      bigint NOT NULL REFERENCES document_versions (id),
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    from_version_id bigint NOT NULL REFERENCES document_versions (id),
    from_section    text,
    outcome         text NOT NULL CHECK (outcome IN ('same', 'moved', 'changed', 'gone')),
    section_key     text,
    confidence      real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    start_offset    integer CHECK (start_offset >= 0),
    end_offset      integer CHECK (end_offset >= start_offset),
    PRIMARY KEY (version_id, feedback_id),
    CHECK ((outcome = 'gone') = (section_key IS NULL) OR from_section IS NULL)
);
CREATE INDEX anchor_placements_feedback_idx ON anchor_placements (feedback_id, version_id);

ALTER TABLE document_versions ADD COLUMN anchors_built_at timestamptz;
