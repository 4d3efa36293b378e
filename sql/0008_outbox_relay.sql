-- The relay that sends the outbox (outbox/relay.py), and the notices that fill it on a schedule.
--
-- A relay claims pending rows with FOR UPDATE SKIP LOCKED and holds them by a lease: claimed_by
-- names the relay, lease_until says until when. A relay that dies leaves its lease to run out,
-- and the row is sent again, by anyone, with the same Message-ID. A relay only marks a row it
-- still holds, so a relay that was too slow cannot overwrite what another one did.
ALTER TABLE outbox_messages
    ADD COLUMN claimed_by uuid,
    ADD COLUMN dead_at    timestamptz;

-- The dead letters an admin looks at, newest first.
CREATE INDEX outbox_dead_idx ON outbox_messages (dead_at DESC) WHERE status = 'dead';

-- Subject-group members choose new-item e-mail at once or as one daily digest.
ALTER TABLE users
    ADD COLUMN new_item_mail text NOT NULL DEFAULT 'immediately'
        CHECK (new_item_mail IN ('immediately', 'daily', 'never')),
    ADD COLUMN digest_sent_at timestamptz;

-- When a scheduled notice (e.g. "the moderation queue is old") last went out, so that several
-- worker processes running the same schedule send it once.
CREATE TABLE scheduled_notices (
    kind     text PRIMARY KEY,
    sent_at  timestamptz NOT NULL
);
