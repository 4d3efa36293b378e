-- The national structure managed in the product: a subject group is a national working group
-- (NAG) or a national collaboration group (NSG); programme areas and groups are archived, never
-- deleted (feedback and documents keep pointing at them); and a group may have patient
-- representatives, who read its inbox and write notes but do not answer for the group.

ALTER TABLE subject_groups
    ADD COLUMN kind text NOT NULL DEFAULT 'nag' CHECK (kind IN ('nag', 'nsg')),
    ADD COLUMN archived_at timestamptz;

ALTER TABLE programme_areas ADD COLUMN archived_at timestamptz;

ALTER TABLE group_memberships DROP CONSTRAINT group_memberships_role_check;
ALTER TABLE group_memberships ADD CONSTRAINT group_memberships_role_check
    CHECK (role IN ('member', 'lead', 'patient_representative'));
