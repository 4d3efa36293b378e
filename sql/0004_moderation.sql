-- Moderation: decisions, claims so two moderators never decide the same item, the restricted
-- unredacted original and its destruction, the urgency flag, routing rules and the routes an
-- approved item took to one or more subject groups.

ALTER TABLE feedback
    -- A possible patient-safety signal: routed at once and flagged for the group leads.
    ADD COLUMN urgent boolean NOT NULL DEFAULT false,
    -- Set when the unredacted original was destroyed (retention job or the submitter's erasure).
    ADD COLUMN redaction_original_destroyed_at timestamptz;
CREATE INDEX feedback_received_idx ON feedback (created_at, id) WHERE status = 'received';

-- A moderator's short lease on an item while they read it. A decision by anyone else is refused
-- while the lease runs; the decision itself also locks the item row, so the lease only has to
-- give the clear message, never the guarantee.
CREATE TABLE moderation_claims (
    feedback_id     uuid PRIMARY KEY REFERENCES feedback (id) ON DELETE CASCADE,
    moderator_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    claimed_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    CHECK (expires_at > claimed_at)
);

-- One decision per item. The optional message is the moderator's words to the submitter (shown
-- on the status page); like all free text it is never copied into the audit trail.
CREATE TABLE moderation_decisions (
    feedback_id     uuid PRIMARY KEY REFERENCES feedback (id),
    decision        text NOT NULL CHECK (decision IN ('approve', 'redact', 'reject')),
    reason_code     text CHECK (reason_code ~ '^[a-z_]{1,40}$'),
    message         text CHECK (length(message) BETWEEN 1 AND 2000),
    urgent          boolean NOT NULL DEFAULT false,
    moderator_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    -- How the audit trail names the moderator ("user:12"); kept when the account goes.
    moderator       text NOT NULL,
    decided_at      timestamptz NOT NULL,
    CHECK ((decision = 'approve') = (reason_code IS NULL)),
    CHECK (decision = 'reject' OR message IS NULL),
    CHECK (decision <> 'reject' OR NOT urgent)
);
CREATE INDEX moderation_decisions_decided_idx ON moderation_decisions (decided_at);

-- The text as the submitter wrote it, before a moderator redacted it. Read only through the
-- moderation service (a stated reason, an audit event per reading); deleted by the retention
-- job or when the submitter erases the item.
CREATE TABLE redaction_originals (
    feedback_id     uuid PRIMARY KEY REFERENCES feedback (id) ON DELETE CASCADE,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    personal_data   jsonb NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL
);
CREATE INDEX redaction_originals_created_idx ON redaction_originals (created_at);

-- Erasing an item's text (feedback/service.py) erases its original too, whoever erases it.
CREATE FUNCTION feedback_erase_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM redaction_originals WHERE feedback_id = NEW.id;
    IF FOUND THEN
        NEW.redaction_original_destroyed_at := NEW.erased_at;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_erase_original BEFORE UPDATE OF erased_at ON feedback
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL)
    EXECUTE FUNCTION feedback_erase_original();

-- Where approved items go when the owner group of the document is not (only) the answer.
-- Rules are deactivated, never deleted, so every route keeps the rule it came by.
CREATE TABLE routing_rules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('document', 'section', 'category', 'keyword')),
    -- Required for document and section rules; narrows category and keyword rules.
    document_id     bigint REFERENCES guidance_documents (id),
    section_key     text CHECK (section_key ~ '^[0-9]+(\.[0-9]+)*-[a-z0-9]+(-[a-z0-9]+)*$'),
    category        text CHECK (category IN (
                        'hard_to_understand', 'missing_information',
                        'incorrect_or_outdated', 'own_experience', 'suggestion', 'other')),
    keyword         text CHECK (length(keyword) BETWEEN 2 AND 100),
    -- Lower numbers go first; all matching rules of the first matching priority apply.
    priority        integer NOT NULL DEFAULT 100 CHECK (priority BETWEEN 1 AND 1000),
    -- Route to the owner group as well as to the rule's groups.
    keep_owner      boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (kind NOT IN ('document', 'section') OR document_id IS NOT NULL),
    CHECK ((kind = 'section') = (section_key IS NOT NULL)),
    CHECK ((kind = 'category') = (category IS NOT NULL)),
    CHECK ((kind = 'keyword') = (keyword IS NOT NULL))
);
CREATE INDEX routing_rules_active_idx ON routing_rules (priority, id) WHERE active;

CREATE TABLE routing_rule_groups (
    rule_id         bigint NOT NULL REFERENCES routing_rules (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    PRIMARY KEY (rule_id, group_id)
);

-- Which groups an item went to. rule_id NULL: the document's owner group, by default (or a
-- forward between groups, which triage records in feedback_forwards).
CREATE TABLE feedback_routes (
    feedback_id     uuid NOT NULL REFERENCES feedback (id),
    group_id        bigint NOT NULL REFERENCES subject_groups (id),
    rule_id         bigint REFERENCES routing_rules (id),
    routed_at       timestamptz NOT NULL,
    PRIMARY KEY (feedback_id, group_id)
);
CREATE INDEX feedback_routes_group_idx ON feedback_routes (group_id, routed_at, feedback_id);
