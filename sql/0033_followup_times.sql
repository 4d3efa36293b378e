-- The answered items' times to their first answer, counted per quarter of a day, beside the
-- day counts (sql/0029) and kept by the same triggers in the same transaction. The follow-up
-- figures' medians and 90th percentiles are over the exact times (percentile_cont): from
-- these counts src/medskapa/followup/queries.py finds, for each breakdown row, the one or
-- two quarters of a day that hold the ranks percentile_cont reads, and reads the exact times
-- of only those quarters' items (a programme area's year: some 16,000 of 73,000 answered
-- items, where every one of them was read and hashed eight ways on every page view).
--
-- One row per (group, document, day, version, section, category, region, bucket) with
-- answered items, as followup_days: group_id 0 counts every item once, group g the items
-- routed to g. bucket: floor(days_to_first_answer x 4), the quarter of a day the time falls
-- in (never decreasing with the time; the same expression as the index below and the
-- queries).
CREATE TABLE followup_times (
    group_id        bigint NOT NULL,
    document_id     bigint NOT NULL,
    day             date NOT NULL,
    version_id      bigint NOT NULL,
    section_key     text,
    category        text NOT NULL,
    care_region     text,
    bucket          integer NOT NULL,
    answered        integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT
        (group_id, document_id, day, version_id, section_key, category, care_region, bucket)
);

CREATE VIEW followup_times_counted AS
SELECT x.group_id, f.document_id,
       (f.created_at AT TIME ZONE 'Europe/Stockholm')::date AS day,
       f.version_id, f.section_key, f.category, f.care_region,
       floor(f.days_to_first_answer * 4)::integer AS bucket,
       count(*)::integer AS answered
FROM feedback f
CROSS JOIN LATERAL (
    SELECT 0::bigint AS group_id
    UNION ALL
    SELECT r.group_id FROM feedback_routes r WHERE r.feedback_id = f.id) x
WHERE f.document_id IS NOT NULL AND f.first_answered_at IS NOT NULL
  AND f.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- Both rebuilt, each in the order the figures read them (a group's document's days), so a
-- period's rows are on few pages (at a million items the day counts' rows of a programme
-- area's year were spread over 1,566 pages, the times' over 3,717).
CREATE OR REPLACE FUNCTION followup_days_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM followup_days;
    INSERT INTO followup_days SELECT * FROM followup_days_counted
    ORDER BY group_id, document_id, day;
    DELETE FROM followup_times;
    INSERT INTO followup_times SELECT * FROM followup_times_counted
    ORDER BY group_id, document_id, day;
$$;

-- As before, and the item's time in the times' rows when it has a first answer.
CREATE OR REPLACE FUNCTION followup_days_add(item feedback, delta integer, groups bigint[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO followup_days AS s (group_id, document_id, day, version_id, section_key,
        category, care_region, received, answered, change_planned, changed)
    SELECT g, item.document_id, (item.created_at AT TIME ZONE 'Europe/Stockholm')::date,
           item.version_id, item.section_key, item.category, item.care_region, delta,
           CASE WHEN item.first_answered_at IS NOT NULL THEN delta ELSE 0 END,
           CASE WHEN item.status = 'change_planned' THEN delta ELSE 0 END,
           CASE WHEN item.status = 'changed' THEN delta ELSE 0 END
    FROM unnest(groups) g
    WHERE item.document_id IS NOT NULL
      AND item.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned',
                          'changed')
    ORDER BY g
    ON CONFLICT (group_id, document_id, day, version_id, section_key, category, care_region)
    DO UPDATE SET received = s.received + EXCLUDED.received,
                  answered = s.answered + EXCLUDED.answered,
                  change_planned = s.change_planned + EXCLUDED.change_planned,
                  changed = s.changed + EXCLUDED.changed;
    INSERT INTO followup_times AS s (group_id, document_id, day, version_id, section_key,
        category, care_region, bucket, answered)
    SELECT g, item.document_id, (item.created_at AT TIME ZONE 'Europe/Stockholm')::date,
           item.version_id, item.section_key, item.category, item.care_region,
           floor(item.days_to_first_answer * 4)::integer, delta
    FROM unnest(groups) g
    WHERE item.document_id IS NOT NULL AND item.first_answered_at IS NOT NULL
      AND item.status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned',
                          'changed')
    ORDER BY g
    ON CONFLICT (group_id, document_id, day, version_id, section_key, category, care_region,
                 bucket)
    DO UPDATE SET answered = s.answered + EXCLUDED.answered;
$$;

SELECT followup_days_rebuild();

-- The exact times of a document's items in the wanted quarters of a day, in a period.
CREATE INDEX feedback_followup_times_idx
    ON feedback (document_id, (floor(days_to_first_answer * 4)::integer), created_at)
    INCLUDE (id, version_id, section_key, category, care_region, days_to_first_answer)
    WHERE first_answered_at IS NOT NULL
      AND status IN ('routed', 'in_review', 'answered', 'closed', 'change_planned', 'changed');
