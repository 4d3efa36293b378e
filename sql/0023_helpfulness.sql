-- "Hjälpte informationen på sidan dig?": a reader's yes or no on one version of a guidance
-- document, from the document page (the whole document) or from the embedded widget (the
-- section it was opened on), with an optional short reason.
--
-- Anonymous by construction: no account, no address, no contact, no exact time. One answer per
-- browser and version: the browser sends a random id of its own (kept in its localStorage, or a
-- medskapa cookie where there is no script); only a keyed hash of it is stored
-- (feedback/helpfulness.py), which identifies no one and cannot be turned back into the id.
-- The reason is never shown to anyone as individual text: only counts leave this table.
CREATE TABLE helpfulness_answers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id    bigint NOT NULL REFERENCES document_versions (id),
    -- NULL: the answer is about the document as a whole (the question at the end of the page).
    section_key   text,
    helpful       boolean NOT NULL,
    reason        text CHECK (length(reason) BETWEEN 1 AND 500),
    -- Where the question was answered: on medskapa's document page or in the widget on a
    -- guidance website.
    via           text NOT NULL CHECK (via IN ('page', 'widget')),
    browser_hash  bytea NOT NULL CHECK (length(browser_hash) = 16),
    -- The day only: enough for counts per week and month, too coarse to match with a log.
    answered_on   date NOT NULL DEFAULT current_date,
    UNIQUE (version_id, browser_hash),
    FOREIGN KEY (version_id, section_key) REFERENCES sections (version_id, key)
);
-- Counts per version and section (the unique index above leads with version_id too, but the
-- counts need only these columns).
CREATE INDEX helpfulness_answers_counts_idx
    ON helpfulness_answers (version_id, section_key, helpful);
