-- Following a document by e-mail (Bevaka): anyone, no account, double opt-in. The address
-- lives in contacts only; a follower points at its own contact. Unsubscribing erases that
-- contact (and with it any unsent mail to it) and keeps the row, so the link in an old mail
-- still says "you no longer follow" rather than "unknown link".

CREATE TABLE followers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES guidance_documents (id),
    -- Erasing the contact (wherever it is done) takes the follower with it.
    contact_id      bigint REFERENCES contacts (id) ON DELETE CASCADE,
    -- A keyed hash of the normalised address (never the address): one follower per address
    -- and document, however the address was typed. NULL once unsubscribed.
    email_hash      bytea,
    created_at      timestamptz NOT NULL,
    confirmed_at    timestamptz,
    unsubscribed_at timestamptz,
    UNIQUE (document_id, email_hash),
    CHECK ((email_hash IS NULL) = (unsubscribed_at IS NOT NULL)),
    CHECK ((contact_id IS NULL) = (unsubscribed_at IS NOT NULL))
);
CREATE INDEX followers_document_idx ON followers (document_id)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;
CREATE INDEX followers_contact_idx ON followers (contact_id);

-- Links in mail to followers: confirm (expires) and unsubscribe (one per mail, works as long as
-- the follower exists). Only the SHA-256 of a token is kept; the token itself is in the mail.
CREATE TABLE follower_tokens (
    token_hash      bytea PRIMARY KEY,
    follower_id     bigint NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
    purpose         text NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    used_at         timestamptz,
    CHECK (purpose = 'unsubscribe' OR expires_at IS NOT NULL)
);
CREATE INDEX follower_tokens_follower_idx ON follower_tokens (follower_id);

-- What each follower has been told: one mail per follower and event, whoever calls twice.
CREATE TABLE follower_notices (
    follower_id     bigint NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
    event           text NOT NULL CHECK (event IN ('version', 'consultation')),
    subject_id      bigint NOT NULL,
    queued_at       timestamptz NOT NULL,
    PRIMARY KEY (follower_id, event, subject_id)
);
