-- Every change to what the public catalogue shows (a document, its versions and sections, the
-- groups and programme areas it is listed under) tells every app process, on commit, to drop
-- the pages it has rendered (src/medskapa/web/caching.py). One notice per statement, and
-- PostgreSQL folds identical notices of one transaction into one, so a publish that writes
-- hundreds of sections sends one.

CREATE FUNCTION notify_catalogue_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('medskapa_catalogue', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER guidance_documents_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON guidance_documents
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
CREATE TRIGGER document_versions_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON document_versions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
CREATE TRIGGER sections_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sections
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
CREATE TRIGGER subject_groups_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subject_groups
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
CREATE TRIGGER programme_areas_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programme_areas
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
