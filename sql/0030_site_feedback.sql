-- Feedback about the service itself: a report of an accessibility problem becomes a feedback
-- item (issue 15), so its sender gets what every submitter gets (a receipt code for /folj, the
-- status trail, an answer, e-mails when they left an address, withdrawal and erasure by code,
-- "Mina synpunkter", the data download) and the admins work it through the lifecycle with an
-- audit trail. A site item is about no guidance document: it has no document or version, it
-- may name the page it is about, and it is the admins' alone (never moderated, routed to a
-- group, shown in public answers, statistics, open data, follow-up or exports).
ALTER TABLE feedback
    ADD COLUMN IF NOT EXISTS subject text NOT NULL DEFAULT 'guidance'
        CHECK (subject IN ('guidance', 'site')),
    ADD COLUMN IF NOT EXISTS site_page text CHECK (length(site_page) BETWEEN 1 AND 500),
    ALTER COLUMN document_id DROP NOT NULL,
    ALTER COLUMN version_id DROP NOT NULL;

ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_subject_target;
ALTER TABLE feedback ADD CONSTRAINT feedback_subject_target CHECK (
    (subject = 'guidance' AND document_id IS NOT NULL AND version_id IS NOT NULL
        AND site_page IS NULL)
    OR (subject = 'site' AND document_id IS NULL AND version_id IS NULL
        AND section_key IS NULL AND changed_in_version_id IS NULL));

-- 'accessibility' is a category of site items only.
ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_category_check;
ALTER TABLE feedback ADD CONSTRAINT feedback_category_check CHECK (category IN (
    'hard_to_understand', 'missing_information', 'incorrect_or_outdated', 'own_experience',
    'suggestion', 'other', 'accessibility'));
ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_accessibility_is_site;
ALTER TABLE feedback ADD CONSTRAINT feedback_accessibility_is_site
    CHECK (category <> 'accessibility' OR subject = 'site');

-- The admins' list reads site items, open first, newest first; few, but never a scan of all
-- feedback.
CREATE INDEX IF NOT EXISTS feedback_site_idx ON feedback (status, created_at DESC)
    WHERE subject = 'site';

-- The admins answer site items: an answer by no group. An answer to a site item says nothing
-- about a guidance text, so it need not say whether the text will change.
ALTER TABLE feedback_answers ALTER COLUMN group_id DROP NOT NULL;
DO $$
DECLARE
    found text;
BEGIN
    SELECT conname INTO found FROM pg_constraint
    WHERE conrelid = 'feedback_answers'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%will_change IS NOT NULL%'
      AND conname <> 'feedback_answers_answer_complete';
    IF found IS NOT NULL THEN
        EXECUTE format('ALTER TABLE feedback_answers DROP CONSTRAINT %I', found);
    END IF;
END;
$$;
ALTER TABLE feedback_answers DROP CONSTRAINT IF EXISTS feedback_answers_answer_complete;
ALTER TABLE feedback_answers ADD CONSTRAINT feedback_answers_answer_complete CHECK (
    status NOT IN ('answered', 'change_planned')
    OR (body IS NOT NULL AND (will_change IS NOT NULL OR group_id IS NULL)));

-- The reports stored so far become site items, nothing lost: the same id (so the trail they
-- have, under subject_type 'accessibility_report', stays theirs and the admins' item view
-- shows it; the trail is append-only and hash-chained, so it is not rewritten), the text,
-- the page, the language, the address (already in contacts), the time. A handled report is
-- closed. No one holds a receipt code for them, so each gets a random receipt hash that no
-- code will ever match.
DO $$
BEGIN
    IF to_regclass('accessibility_reports') IS NOT NULL THEN
        INSERT INTO feedback (id, subject, site_page, category, submitter_role, body,
            language, consent_public, consent_contact, contact_id, status, receipt_hash,
            created_at, updated_at)
        SELECT r.id, 'site', NULLIF(r.page, ''), 'accessibility', 'other', r.problem,
            r.language, false, false, r.contact_id,
            CASE WHEN r.handled_at IS NULL THEN 'received' ELSE 'closed' END,
            sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())),
            r.created_at, coalesce(r.handled_at, r.created_at)
        FROM accessibility_reports r
        ON CONFLICT (id) DO NOTHING;
        DROP TABLE accessibility_reports;
    END IF;
END;
$$;
