-- Patient organisations: verification, invitations, consultations (remiss) opened by subject
-- groups, input rounds inside an organisation, members' input (private to the organisation),
-- joint statements with their edit history, citations and co-signers, and the reminders sent.
-- Deadlines are stored as the local date the user chose and the instant it ends in
-- Europe/Stockholm (computed in organisations/domain.py), so a DST change cannot move them.

ALTER TABLE organisations
    ADD COLUMN verified_by bigint REFERENCES users (id) ON DELETE SET NULL;

-- An invitation is a single-use e-mail invitation (the address lives in contacts, erasable)
-- or a shareable link any number of people may use until it expires. Only the hash of the
-- token is kept.
CREATE TABLE organisation_invitations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    kind            text NOT NULL CHECK (kind IN ('email', 'link')),
    token_hash      bytea NOT NULL UNIQUE,
    contact_id      bigint REFERENCES contacts (id) ON DELETE SET NULL,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    used_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    revoked_at      timestamptz,
    CHECK (expires_at > created_at),
    CHECK (kind = 'email' OR used_at IS NULL)
);
CREATE INDEX organisation_invitations_org_idx ON organisation_invitations (organisation_id);

CREATE TABLE consultations (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id            bigint NOT NULL REFERENCES subject_groups (id),
    document_id         bigint NOT NULL REFERENCES guidance_documents (id),
    version_id          bigint NOT NULL REFERENCES document_versions (id),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    questions           text[] NOT NULL CHECK (cardinality(questions) BETWEEN 1 AND 5),
    start_date          date NOT NULL,
    deadline            date NOT NULL CHECK (deadline >= start_date),
    opens_at            timestamptz NOT NULL,
    closes_at           timestamptz NOT NULL CHECK (closes_at > opens_at),
    open_to_all_verified boolean NOT NULL,
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL
);
CREATE INDEX consultations_closes_idx ON consultations (closes_at);

CREATE TABLE consultation_organisations (
    consultation_id bigint NOT NULL REFERENCES consultations (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (consultation_id, organisation_id)
);
CREATE INDEX consultation_organisations_org_idx ON consultation_organisations (organisation_id);

-- One reminder per organisation per consultation: the primary key makes the job idempotent.
CREATE TABLE consultation_reminders (
    consultation_id bigint NOT NULL REFERENCES consultations (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    sent_at         timestamptz NOT NULL,
    PRIMARY KEY (consultation_id, organisation_id)
);

CREATE TABLE input_rounds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    consultation_id bigint REFERENCES consultations (id),
    document_id     bigint NOT NULL REFERENCES guidance_documents (id),
    version_id      bigint NOT NULL REFERENCES document_versions (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    deadline        date NOT NULL,
    closes_at       timestamptz NOT NULL,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX input_rounds_org_idx ON input_rounds (organisation_id, created_at DESC);

-- A member's input, anchored like feedback. It stays inside the organisation: nothing routes it.
-- show_name: the member lets the coordinators see who wrote it; otherwise they see only the text.
CREATE TABLE member_inputs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id        bigint NOT NULL REFERENCES input_rounds (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    author_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    show_name       boolean NOT NULL,
    section_key     text,
    quote_exact     text CHECK (length(quote_exact) <= 1000),
    quote_prefix    text,
    quote_suffix    text,
    category        text NOT NULL CHECK (category IN (
                        'hard_to_understand', 'missing_information',
                        'incorrect_or_outdated', 'own_experience', 'suggestion', 'other')),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at      timestamptz NOT NULL,
    CHECK (quote_exact IS NULL OR section_key IS NOT NULL)
);
CREATE INDEX member_inputs_round_idx ON member_inputs (round_id, created_at);

CREATE TABLE statements (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    round_id        bigint REFERENCES input_rounds (id),
    consultation_id bigint REFERENCES consultations (id),
    document_id     bigint NOT NULL REFERENCES guidance_documents (id),
    version_id      bigint NOT NULL REFERENCES document_versions (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    -- The feedback item the submitted statement became; moderation and routing take it there.
    feedback_id     uuid UNIQUE REFERENCES feedback (id),
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    submitted_at    timestamptz,
    submitted_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((status = 'submitted') = (feedback_id IS NOT NULL))
);
CREATE INDEX statements_org_idx ON statements (organisation_id, created_at DESC);

CREATE TABLE statement_sections (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    statement_id    uuid NOT NULL REFERENCES statements (id),
    position        integer NOT NULL CHECK (position >= 1),
    heading         text NOT NULL CHECK (length(heading) BETWEEN 1 AND 200),
    body            text NOT NULL CHECK (length(body) <= 5000),
    updated_at      timestamptz NOT NULL,
    updated_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (statement_id, position)
);

-- Every saved draft of a section: who edited what and when.
CREATE TABLE statement_revisions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    section_id      bigint NOT NULL REFERENCES statement_sections (id),
    statement_id    uuid NOT NULL REFERENCES statements (id),
    editor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    heading         text NOT NULL,
    body            text NOT NULL,
    edited_at       timestamptz NOT NULL
);
CREATE INDEX statement_revisions_statement_idx ON statement_revisions (statement_id, edited_at);

CREATE TABLE statement_citations (
    statement_id    uuid NOT NULL REFERENCES statements (id),
    member_input_id uuid NOT NULL REFERENCES member_inputs (id),
    section_id      bigint REFERENCES statement_sections (id),
    cited_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    cited_at        timestamptz NOT NULL,
    PRIMARY KEY (statement_id, member_input_id)
);

-- Another verified organisation asked to co-sign; signed once one of its coordinators signs.
CREATE TABLE statement_cosigners (
    statement_id    uuid NOT NULL REFERENCES statements (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    invited_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    invited_at      timestamptz NOT NULL,
    signed_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    signed_at       timestamptz,
    PRIMARY KEY (statement_id, organisation_id)
);
CREATE INDEX statement_cosigners_org_idx ON statement_cosigners (organisation_id);
