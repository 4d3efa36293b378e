-- Lättläst: a version may carry a short easy-to-read summary (plain text, short lines), shown
-- on the document page behind a toggle. Written with the version (import front matter
-- `easy_read`, the editor, the API) and, like the rest of a published version, never changed
-- afterwards (the trigger from 0018 refuses any update of a published version).
ALTER TABLE document_versions
    ADD COLUMN easy_read text NOT NULL DEFAULT '' CHECK (length(easy_read) <= 3000);
