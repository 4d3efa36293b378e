-- Feedback from patients and närstående, its contact record, the audit trail and the
-- PostgreSQL-backed helpers the submission path needs (idempotency, rate limits, secrets).

-- Instance secrets, generated once per database by the first process that needs them, so
-- every worker and machine agrees on them.
CREATE TABLE instance_secrets (
    name        text PRIMARY KEY,
    value       bytea NOT NULL CHECK (length(value) >= 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The only place an e-mail address lives. Erasing it deletes the row.
CREATE TABLE contacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE feedback (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id         bigint NOT NULL REFERENCES guidance_documents (id),
    version_id          bigint NOT NULL REFERENCES document_versions (id),
    section_key         text,
    quote_exact         text CHECK (length(quote_exact) <= 1000),
    quote_prefix        text,
    quote_suffix        text,
    category            text NOT NULL CHECK (category IN (
                            'hard_to_understand', 'missing_information',
                            'incorrect_or_outdated', 'own_experience', 'suggestion', 'other')),
    submitter_role      text NOT NULL CHECK (submitter_role IN (
                            'patient', 'relative', 'other', 'organisation')),
    body                text CHECK (length(body) BETWEEN 1 AND 5000),
    language            text NOT NULL CHECK (language IN ('sv', 'en')),
    consent_public      boolean NOT NULL,
    consent_contact     boolean NOT NULL,
    contact_id          bigint REFERENCES contacts (id) ON DELETE SET NULL,
    status              text NOT NULL DEFAULT 'received' CHECK (status IN (
                            'received', 'rejected', 'routed', 'in_review', 'answered',
                            'closed', 'change_planned', 'changed', 'withdrawn')),
    receipt_hash        bytea NOT NULL UNIQUE,
    -- Kind and span of each personal-data finding; never the matched text.
    personal_data       jsonb NOT NULL DEFAULT '[]',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    erased_at           timestamptz,
    CHECK (quote_exact IS NULL OR section_key IS NOT NULL),
    CHECK ((body IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX feedback_document_idx ON feedback (document_id, created_at);
CREATE INDEX feedback_status_idx ON feedback (status, created_at);

-- Append-only trail. Holds ids, states and reason codes, never free text or contact data,
-- so erasing a submitter's text never breaks it. Each subject's events form a hash chain
-- (one chain per subject, so unrelated writes never wait for each other).
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    subject_type    text NOT NULL,
    subject_id      text NOT NULL,
    seq             integer NOT NULL CHECK (seq >= 1),
    from_state      text,
    to_state        text,
    reason_code     text,
    prev_hash       bytea,
    hash            bytea NOT NULL,
    UNIQUE (subject_type, subject_id, seq)
);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- A retried request with the same Idempotency-Key gets the same answer. The answer is
-- encrypted with a key derived from the client's idempotency key, which we store only hashed,
-- so the receipt code in it cannot be read from the database alone.
CREATE TABLE idempotent_requests (
    key_hash        bytea PRIMARY KEY,
    scope           text NOT NULL,
    request_hash    bytea NOT NULL,
    status_code     integer,
    response        bytea,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotent_requests_created_idx ON idempotent_requests (created_at);

-- Fixed-window counters per client and action; the client is a keyed hash, not an address.
CREATE TABLE rate_limits (
    bucket          text NOT NULL,
    window_start    timestamptz NOT NULL,
    hits            integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
