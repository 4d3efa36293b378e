-- A member may ask to be told when the subject group answers a statement that cites their
-- input: an e-mail to their account's address, and the answer beside their input.
ALTER TABLE member_inputs ADD COLUMN notify_on_answer boolean NOT NULL DEFAULT false;
