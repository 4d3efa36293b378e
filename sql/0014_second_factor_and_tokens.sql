-- Security round 2: a second factor that means something, API tokens that carry no more than
-- the session that made them, and throttling that slows an attacker without locking out the
-- account's owner.

-- Enrolment shows a secret made for this session only; another session (or a password-only
-- session of an enrolled account) never sees it. It moves to users.totp_secret when confirmed.
ALTER TABLE sessions ADD COLUMN totp_pending_secret text;

-- The last accepted TOTP time step: a code works once, in one session.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- Wrong second-factor codes per account; a few in a short time lock the second step for a while.
CREATE TABLE second_factor_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failed_at   timestamptz NOT NULL
);
CREATE INDEX second_factor_failures_user_idx ON second_factor_failures (user_id, failed_at);

-- What a token may do is what its session could do when it was made: the roles and memberships
-- (ids only) and whether the second factor was passed. A token whose user's roles have changed
-- since, or that ended with a logout everywhere, a password change or reset, or a new second
-- factor, says so here.
ALTER TABLE api_tokens
    ADD COLUMN scope jsonb,
    ADD COLUMN second_factor boolean NOT NULL DEFAULT false,
    ADD COLUMN ended_reason text CHECK (ended_reason IN (
        'revoked', 'logged_out_everywhere', 'password_changed', 'password_reset',
        'second_factor_changed', 'role_changed', 'account_deleted', 'reissue'));
-- Tokens made before this migration carry no scope and may have been made by a password-only
-- staff session: they end, and the account page says so.
UPDATE api_tokens SET revoked_at = now(), ended_reason = 'reissue' WHERE revoked_at IS NULL;
UPDATE api_tokens SET ended_reason = 'revoked' WHERE ended_reason IS NULL;

-- Login failures from a browser that has signed in to the account before (a signed device
-- cookie) are counted per device, so an attacker elsewhere cannot slow its owner down.
ALTER TABLE login_failures ADD COLUMN known_device boolean NOT NULL DEFAULT false;
