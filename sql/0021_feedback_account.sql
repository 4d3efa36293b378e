-- "Mina synpunkter": feedback sent while signed in belongs to that account, so the account can
-- list it, follow it and download it. Only the link: nothing about the person is copied onto
-- the item. Deleting the account removes the link (accounts/queries.py erase_account), and the
-- item stays, as anonymous as one sent without an account. Feedback sent without an account,
-- and an organisation's joint statement, have no link.
ALTER TABLE feedback ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX feedback_user_idx ON feedback (user_id, created_at DESC) WHERE user_id IS NOT NULL;
