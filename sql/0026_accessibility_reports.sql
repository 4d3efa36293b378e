-- Reports of accessibility problems (the "report an accessibility problem" form that the
-- accessibility statement links to, as the law on accessible public digital services asks).
-- A report is about the service itself, not a guidance document, so it is not a feedback
-- item: it goes to the admins, who mark it handled. An address left for an answer lives in
-- contacts, as every address does, and goes with the report when the retention job erases it
-- (MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION_DAYS).
CREATE TABLE accessibility_reports (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    page        text NOT NULL DEFAULT '' CHECK (length(page) <= 500),
    problem     text NOT NULL CHECK (length(problem) BETWEEN 1 AND 5000),
    language    text NOT NULL CHECK (language IN ('sv', 'en')),
    contact_id  bigint REFERENCES contacts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    handled_at  timestamptz,
    handled_by  bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX accessibility_reports_created_idx ON accessibility_reports (created_at);
