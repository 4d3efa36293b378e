-- Accounts, roles, memberships, sessions, second factor, API tokens, login throttling, and the
-- e-mail outbox (the moderation issue adds its relay; accounts already write to it).

CREATE TABLE organisations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    verified_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash       text NOT NULL,
    -- Global role; group and organisation roles live in the membership tables.
    role                text NOT NULL DEFAULT 'patient'
                        CHECK (role IN ('patient', 'moderator', 'admin')),
    email_confirmed_at  timestamptz,
    totp_secret         text,
    totp_confirmed_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email)) WHERE deleted_at IS NULL;

CREATE TABLE group_memberships (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id    bigint NOT NULL REFERENCES subject_groups (id),
    role        text NOT NULL CHECK (role IN ('member', 'lead')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX group_memberships_group_idx ON group_memberships (group_id);

CREATE TABLE organisation_memberships (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    role            text NOT NULL CHECK (role IN ('member', 'coordinator')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX organisation_memberships_org_idx ON organisation_memberships (organisation_id);

-- Server-side sessions: the cookie holds a random token, the table only its hash.
CREATE TABLE sessions (
    token_hash          bytea PRIMARY KEY,
    user_id             bigint REFERENCES users (id) ON DELETE CASCADE,
    created_at          timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    second_factor_at    timestamptz,
    csrf_token          text NOT NULL,
    user_agent          text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 200)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE recovery_codes (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Single-use links for e-mail confirmation and password reset; only the hash is kept.
CREATE TABLE email_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('confirm', 'reset')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id);

CREATE TABLE api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at  timestamptz
);

-- Failed logins per account (keyed hash of the e-mail, so unknown accounts count too) and per
-- client (keyed hash of the address).
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_key bytea NOT NULL,
    client_key  bytea NOT NULL,
    failed_at   timestamptz NOT NULL
);
CREATE INDEX login_failures_account_idx ON login_failures (account_key, failed_at);
CREATE INDEX login_failures_client_idx ON login_failures (client_key, failed_at);

-- E-mail to send, written in the same transaction as the change that causes it.
CREATE TABLE outbox_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template        text NOT NULL,
    -- The address is looked up at send time, so erasing a contact or deleting an account
    -- also removes its unsent mail, and no address is copied here.
    contact_id      bigint REFERENCES contacts (id) ON DELETE CASCADE,
    user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
    language        text NOT NULL DEFAULT 'sv' CHECK (language IN ('sv', 'en')),
    context         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CHECK ((contact_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX outbox_pending_idx ON outbox_messages (next_attempt_at) WHERE status = 'pending';
