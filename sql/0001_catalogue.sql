-- The guidance catalogue: programme areas (NPO), subject groups, guidance documents, their
-- versions and sections. Section keys are stable across versions so feedback stays anchored.

CREATE TABLE programme_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subject_groups (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '',
    programme_area_id   bigint NOT NULL REFERENCES programme_areas (id),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subject_groups_programme_area_idx ON subject_groups (programme_area_id);

CREATE TABLE guidance_documents (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    kind                text NOT NULL CHECK (kind IN (
                            'care_pathway', 'clinical_guidance',
                            'treatment_recommendation', 'patient_information')),
    status              text NOT NULL CHECK (status IN (
                            'draft', 'consultation', 'published', 'archived')),
    summary             text NOT NULL DEFAULT '',
    subject_group_id    bigint NOT NULL REFERENCES subject_groups (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    search              tsvector GENERATED ALWAYS AS (
                            setweight(to_tsvector('swedish', title), 'A')
                            || setweight(to_tsvector('swedish', summary), 'B')) STORED
);
CREATE INDEX guidance_documents_group_idx ON guidance_documents (subject_group_id);
CREATE INDEX guidance_documents_search_idx ON guidance_documents USING gin (search);

-- A version without published_on is a draft (e.g. out for consultation).
CREATE TABLE document_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES guidance_documents (id),
    label           text NOT NULL CHECK (label ~ '^[0-9]+(\.[0-9]+)*$'),
    published_on    date,
    change_summary  text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, label)
);

CREATE TABLE sections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id  bigint NOT NULL REFERENCES document_versions (id),
    key         text NOT NULL CHECK (key ~ '^[0-9]+(\.[0-9]+)*-[a-z0-9]+(-[a-z0-9]+)*$'),
    position    integer NOT NULL CHECK (position >= 1),
    heading     text NOT NULL CHECK (length(heading) BETWEEN 1 AND 300),
    body        text NOT NULL,
    search      tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('swedish', heading), 'B')
                    || setweight(to_tsvector('swedish', body), 'C')) STORED,
    UNIQUE (version_id, key),
    UNIQUE (version_id, position)
);
CREATE INDEX sections_search_idx ON sections USING gin (search);

-- The version the public reads: the newest published one.
CREATE VIEW current_versions AS
SELECT DISTINCT ON (document_id) document_id, id AS version_id, label, published_on
FROM document_versions
WHERE published_on IS NOT NULL
ORDER BY document_id, published_on DESC, id DESC;
