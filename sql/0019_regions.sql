-- Reference data: Sweden's 21 regions and 6 healthcare regions (sjukvårdsregioner), and the
-- region where the care a submitter describes took place (optional, on the item).
--
-- Sources, checked 2026-12-01:
-- * The six healthcare regions and their names as the national system for knowledge management
--   uses them: kunskapsstyrningvard.se, "Sjukvårdsregioners uppdrag" (SKR). Uppsala-Örebro
--   sjukvårdsregion has been called Sjukvårdsregion Mellansverige since October 2020.
-- * Which region belongs where: the division into healthcare regions that the government
--   decides (förordning 1982:777, as amended), and each healthcare region's own list of members.
--   Region Halland is the one region in two: its northern municipalities (Kungsbacka, Varberg,
--   Falkenberg) are in Västra sjukvårdsregionen, its southern ones (Halmstad, Hylte, Laholm) in
--   Södra sjukvårdsregionen. So membership is a table of its own, not a column on the region: a
--   filter on either healthcare region finds care in Halland, and the form lists Halland under
--   both, saying which municipalities.
-- * Region codes are the two-digit county codes (länskoder, SCB); the names are the regions'
--   own (Västra Götalandsregionen, Region Jönköpings län, ...).
-- A change to any of this is a new migration, never an edit here.

CREATE TABLE healthcare_regions (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z]+(-[a-z]+)*$'),
    name        text NOT NULL UNIQUE,
    -- The order lists and forms show them in: north to south.
    position    smallint NOT NULL UNIQUE
);

CREATE TABLE regions (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name        text NOT NULL UNIQUE
);

CREATE TABLE healthcare_region_members (
    healthcare_region   text NOT NULL REFERENCES healthcare_regions (code),
    region              text NOT NULL REFERENCES regions (code),
    -- The municipalities that belong here, when only part of the region does.
    part                text CHECK (length(part) BETWEEN 1 AND 200),
    PRIMARY KEY (healthcare_region, region)
);
CREATE INDEX healthcare_region_members_region_idx ON healthcare_region_members (region);

INSERT INTO healthcare_regions (code, name, position) VALUES
    ('norra', 'Norra sjukvårdsregionen', 1),
    ('mellansverige', 'Sjukvårdsregion Mellansverige', 2),
    ('stockholm-gotland', 'Sjukvårdsregion Stockholm-Gotland', 3),
    ('vastra', 'Västra sjukvårdsregionen', 4),
    ('sydostra', 'Sydöstra sjukvårdsregionen', 5),
    ('sodra', 'Södra sjukvårdsregionen', 6);

INSERT INTO regions (code, name) VALUES
    ('01', 'Region Stockholm'),
    ('03', 'Region Uppsala'),
    ('04', 'Region Sörmland'),
    ('05', 'Region Östergötland'),
    ('06', 'Region Jönköpings län'),
    ('07', 'Region Kronoberg'),
    ('08', 'Region Kalmar län'),
    ('09', 'Region Gotland'),
    ('10', 'Region Blekinge'),
    ('12', 'Region Skåne'),
    ('13', 'Region Halland'),
    ('14', 'Västra Götalandsregionen'),
    ('17', 'Region Värmland'),
    ('18', 'Region Örebro län'),
    ('19', 'Region Västmanland'),
    ('20', 'Region Dalarna'),
    ('21', 'Region Gävleborg'),
    ('22', 'Region Västernorrland'),
    ('23', 'Region Jämtland Härjedalen'),
    ('24', 'Region Västerbotten'),
    ('25', 'Region Norrbotten');

INSERT INTO healthcare_region_members (healthcare_region, region, part) VALUES
    ('norra', '22', NULL),
    ('norra', '23', NULL),
    ('norra', '24', NULL),
    ('norra', '25', NULL),
    ('mellansverige', '03', NULL),
    ('mellansverige', '04', NULL),
    ('mellansverige', '17', NULL),
    ('mellansverige', '18', NULL),
    ('mellansverige', '19', NULL),
    ('mellansverige', '20', NULL),
    ('mellansverige', '21', NULL),
    ('stockholm-gotland', '01', NULL),
    ('stockholm-gotland', '09', NULL),
    ('vastra', '14', NULL),
    ('vastra', '13', 'Kungsbacka, Varberg, Falkenberg'),
    ('sydostra', '05', NULL),
    ('sydostra', '06', NULL),
    ('sydostra', '08', NULL),
    ('sodra', '07', NULL),
    ('sodra', '10', NULL),
    ('sodra', '12', NULL),
    ('sodra', '13', 'Halmstad, Hylte, Laholm');

ALTER TABLE feedback ADD COLUMN care_region text REFERENCES regions (code);
