-- The reasons given with "Hjälpte informationen på sidan dig?" are free text that no one reads
-- as individual text; they are erased after MEDSKAPA_HELPFULNESS_REASON_RETENTION_DAYS
-- (feedback/helpfulness_jobs.py). Whether an answer came with a reason is kept, so the counts
-- of answers with a reason (statistics, follow-up) do not change when the text goes.
ALTER TABLE helpfulness_answers ADD COLUMN reason_given boolean NOT NULL DEFAULT false;
UPDATE helpfulness_answers SET reason_given = true WHERE reason IS NOT NULL;
ALTER TABLE helpfulness_answers ADD CONSTRAINT helpfulness_reason_given
    CHECK (reason IS NULL OR reason_given);
-- The retention job's walk: only answers that still hold a reason, oldest first.
CREATE INDEX helpfulness_answers_reason_day_idx ON helpfulness_answers (answered_on)
    WHERE reason IS NOT NULL;
