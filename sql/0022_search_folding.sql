-- Search that forgives missing diacritics: "hjartsvikt" finds "Hjärtsvikt", "hoftfraktur"
-- finds "Höftfraktur", and the other way round. No extension (unaccent is not in the
-- embedded PostgreSQL): a fixed translate() of the Latin letters with diacritics a Swedish
-- text meets, upper and lower case, to the plain letter. The same mapping is in
-- medskapa.catalogue.search (FOLD_FROM, FOLD_TO); a test checks they agree.
CREATE FUNCTION search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate($1,
        'àáâãäåçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ',
        'aaaaaaceeeeiiiinoooooouuuuyyAAAAAACEEEEIIIINOOOOOOUUUUY')
$$;

-- The folded words beside the exact ones, weighted the same. The search ranks exact matches
-- first and uses these only for what the exact words do not find.
ALTER TABLE guidance_documents ADD COLUMN search_folded tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('swedish', search_fold(title)), 'A')
    || setweight(to_tsvector('swedish', search_fold(summary)), 'B')) STORED;
CREATE INDEX guidance_documents_search_folded_idx ON guidance_documents USING gin (search_folded);

ALTER TABLE sections ADD COLUMN search_folded tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('swedish', search_fold(heading)), 'B')
    || setweight(to_tsvector('swedish', search_fold(body)), 'C')) STORED;
CREATE INDEX sections_search_folded_idx ON sections USING gin (search_folded);
