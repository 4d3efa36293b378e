"""SQL for the follow-up figures, grouped every way the page breaks them down at once
(GROUPING SETS), with the medians and 90th percentiles as PostgreSQL's percentile_cont gives
them. The page's statement (``figures_sql``) sums the day counts that triggers keep
(followup_days, sql/0029), places the percentiles' ranks by the answered items' counts per
quarter of a day (followup_times, sql/0033) and reads only the exact times of the items in
the quarters that hold them; the direct statement (``breakdowns_sql``) counts the items
themselves with percentile_cont: what the figures are by definition, used where the day counts
cannot answer and by the tests to check them. Rows map to Structs by column name; every value
is bound."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

# Counted: items a moderator let through to a group (never received, rejected or withdrawn).
# The SQL below is put together only from this module's constant fragments; every value is a
# bound parameter.
# For the figures' one statement, in its own transaction: no JIT (its compiling cost more, 50-150
# ms, than it saved) and room to sort a programme area's year (100,000 items) in memory; the
# default 4 MB sorted on disk (bench/followup.py, docs/benchmarks.md).
SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"
MODERATED = ("routed", "in_review", "answered", "closed", "change_planned", "changed")


class Scope(msgspec.Struct, frozen=True, kw_only=True):
    """Which items the figures are over, as ids. ``groups`` None: every group (an admin, or
    the public); otherwise items routed to one of these groups."""

    start: dt.date
    end: dt.date
    interval: str
    groups: list[int] | None = None
    area_id: int | None = None
    group_id: int | None = None
    document_id: int | None = None
    version_id: int | None = None


# The item's columns the conditions read: on the items themselves, and on a theme tag's
# copies of them (sql/0029, sql/0032).
ITEM = {
    "id": "f.id",
    "received": "f.created_at",
    "status": "f.status",
    "document": "f.document_id",
    "version": "f.version_id",
}
TAG = {
    "id": "ft.feedback_id",
    "received": "ft.received_at",
    "status": "ft.item_status",
    "document": "ft.document_id",
    "version": "ft.version_id",
}


def _conditions(scope: Scope, args: list[object], c: dict[str, str] = ITEM) -> list[str]:
    """The conditions on the items in the scope, appending their arguments to ``args`` (which
    start with the scope's start, end and interval). ``c``: the item's columns (``ITEM``, or
    a tag's copies, ``TAG``). Only the filters that are set become conditions, so each query
    is planned for its own shape (a programme area's documents as index ranges) rather than
    one generic plan with every "$n IS NULL OR" in it. Dates are Sweden's."""
    where = [
        f"{c['received']} >= ($1::date::timestamp AT TIME ZONE 'Europe/Stockholm')",
        f"{c['received']} < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Stockholm')",
        # Written out, not bound: the partial index feedback_followup_idx (sql/0025) has the
        # same condition, and the planner can only match a constant list to it.
        f"{c['status']} IN ({', '.join(repr(s) for s in MODERATED)})",
    ]

    def p(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if scope.groups is not None:
        # From the groups' routes in the period (their copy of the received time, indexed
        # per group), not a look-up in the routes for every item of the country.
        where.append(
            f"{c['id']} IN (SELECT r.feedback_id FROM feedback_routes r "
            f"WHERE r.group_id = ANY({p(scope.groups)}::bigint[]) "
            "AND r.received_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Stockholm') "
            "AND r.received_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'))"
        )
    if scope.area_id is not None:
        where.append(
            f"{c['document']} IN (SELECT ad.id FROM guidance_documents ad JOIN subject_groups "
            f"ag ON ag.id = ad.subject_group_id WHERE ag.programme_area_id = {p(scope.area_id)})"
        )
    if scope.group_id is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM feedback_routes r WHERE r.feedback_id = {c['id']} "
            f"AND r.group_id = {p(scope.group_id)})"
        )
    if scope.document_id is not None:
        where.append(f"{c['document']} = {p(scope.document_id)}")
    if scope.version_id is not None:
        where.append(f"{c['version']} = {p(scope.version_id)}")
    return where


def _where(scope: Scope) -> tuple[list[str], list[object]]:
    """The conditions on the items ``f`` in the scope (``_conditions``) and their
    arguments."""
    args: list[object] = [scope.start, scope.end, scope.interval]
    return _conditions(scope, args), args


def _items(scope: Scope) -> tuple[str, list[object]]:
    """The CTE of the items in the scope, each with its period and days to the first answer,
    and its arguments. Periods are Sweden's: an item received at 23.30 UTC on a Sunday in
    winter belongs to the Monday's week."""
    where, args = _where(scope)
    sql = f"""
    items AS MATERIALIZED (
        SELECT f.id, f.status, f.document_id, f.version_id, f.section_key, f.category,
               f.care_region, g.programme_area_id,
               date_trunc($3, f.created_at AT TIME ZONE 'Europe/Stockholm')::date AS period,
               extract(epoch FROM f.first_answered_at - f.created_at) / 86400.0
                   AS days_to_answer
        FROM feedback f
        JOIN guidance_documents d ON d.id = f.document_id
        JOIN subject_groups g ON g.id = d.subject_group_id
        WHERE {" AND ".join(where)})
    """
    return sql, args


# Both percentiles from one sort per group.
_FIGURES = """
    count(*) AS received,
    count(days_to_answer) AS answered,
    count(*) FILTER (WHERE status = 'change_planned') AS change_planned,
    count(*) FILTER (WHERE status = 'changed') AS changed,
    percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY days_to_answer) AS percentiles
"""

# The eight breakdowns, each a grouping set over the same columns, and each row's name.
_SETS = """
    CASE
      WHEN GROUPING(period) = 0 THEN 'period'
      WHEN GROUPING(version_id) = 0 THEN 'version'
      WHEN GROUPING(section_key) = 0 THEN 'section'
      WHEN GROUPING(document_id) = 0 THEN 'document'
      WHEN GROUPING(category) = 0 THEN 'category'
      WHEN GROUPING(care_region) = 0 THEN 'region'
      WHEN GROUPING(programme_area_id) = 0 THEN 'area'
      ELSE 'total' END AS dimension,
    period, document_id, version_id, section_key, category, care_region, programme_area_id
"""
_GROUPING = """
    GROUPING SETS ((period), (document_id), (version_id), (document_id, section_key),
                   (category), (care_region), (programme_area_id), ())
"""

# Each row's key and label, from the grouped rows ``g`` with their figures.
_LABELLED = """
SELECT g.dimension,
       CASE g.dimension
         WHEN 'period' THEN g.period::text
         WHEN 'document' THEN d.slug
         WHEN 'version' THEN vd.slug || '@' || v.label
         WHEN 'section' THEN d.slug || '#' || coalesce(g.section_key, '')
         WHEN 'category' THEN g.category
         WHEN 'region' THEN coalesce(g.care_region, '')
         WHEN 'area' THEN pa.slug
         ELSE '' END AS key,
       CASE g.dimension
         WHEN 'document' THEN d.title
         WHEN 'version' THEN vd.title || ', version ' || v.label
         WHEN 'section' THEN d.title || CASE WHEN g.section_key IS NULL THEN '' ELSE
             ': ' || coalesce(
             (SELECT s.heading FROM sections s JOIN document_versions sv ON sv.id = s.version_id
              WHERE sv.document_id = g.document_id AND s.key = g.section_key
              ORDER BY sv.id DESC LIMIT 1), g.section_key) END
         WHEN 'region' THEN rg.name
         WHEN 'area' THEN pa.name
         ELSE NULL END AS label,
       g.received, g.answered, g.change_planned, g.changed,
       g.percentiles[1] AS median_days, g.percentiles[2] AS p90_days
FROM grouped g
LEFT JOIN guidance_documents d ON d.id = g.document_id
LEFT JOIN document_versions v ON v.id = g.version_id
LEFT JOIN guidance_documents vd ON vd.id = v.document_id
LEFT JOIN regions rg ON rg.code = g.care_region
LEFT JOIN programme_areas pa ON pa.id = g.programme_area_id
"""

_BREAKDOWNS = f"""
grouped AS (
    SELECT {_SETS}, {_FIGURES}
    FROM items
    GROUP BY {_GROUPING}
)
{_LABELLED}
"""


def _documents(scope: Scope, column: str, args: list[object]) -> list[str]:
    """The conditions on ``column`` (a document id) of the scope's programme area and
    document, appending their arguments to ``args``."""
    where = []
    if scope.area_id is not None:
        args.append(scope.area_id)
        where.append(
            f"{column} IN (SELECT ad.id FROM guidance_documents ad JOIN subject_groups ag "
            f"ON ag.id = ad.subject_group_id WHERE ag.programme_area_id = ${len(args)})"
        )
    if scope.document_id is not None:
        args.append(scope.document_id)
        where.append(f"{column} = ${len(args)}")
    return where


def _themed(scope: Scope, args: list[object]) -> str:
    """The themes' CTE over the CTE ``items`` (each item with its id, status and
    days_to_answer), appending its arguments to ``args``. The tags are read by their copies of
    the item's document and received time (sql/0029): the period's tags of the scope's
    documents, as an index range, rather than all tags of the country hashed to be joined."""
    tags = [
        "ft.received_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Stockholm')",
        "ft.received_at < (($2::date + 1)::timestamp AT TIME ZONE 'Europe/Stockholm')",
        *_documents(scope, "ft.document_id", args),
    ]
    themes = ""
    if scope.groups is not None:
        args.append(scope.groups)
        themes = f"WHERE t.group_id = ANY(${len(args)}::bigint[])"
    return f"""
    themed AS (
        SELECT t.id, t.name || ' (' || sg.name || ')' AS label, {_FIGURES}
        FROM (SELECT ft.theme_id, items.status, items.days_to_answer FROM items
              JOIN feedback_themes ft ON ft.feedback_id = items.id
              WHERE {" AND ".join(tags)}) tagged
        JOIN group_themes t ON t.id = tagged.theme_id
        JOIN subject_groups sg ON sg.id = t.group_id
        {themes}
        GROUP BY t.id, t.name, sg.name)
    """


_THEME_ROWS = """
    UNION ALL
    SELECT 'theme', id::text, label, received, answered, change_planned, changed,
           percentiles[1], percentiles[2]
    FROM themed
"""


def breakdowns_sql(scope: Scope, *, themes: bool = True) -> tuple[str, list[object]]:
    """The breakdowns' statement and its arguments, counted from the items themselves: one
    walk over them for every breakdown, the themes' included. What the figures are by
    definition; the page reads them from the day counts (``summary_sql``) when it can."""
    items, args = _items(scope)
    if not themes:
        return f"WITH {items}, {_BREAKDOWNS} ORDER BY dimension, received DESC, key", args
    themed = _themed(scope, args)
    order = "ORDER BY dimension, received DESC, key"
    return f"WITH {items}, {themed}, {_BREAKDOWNS} {_THEME_ROWS} {order}", args


def summary_group(scope: Scope) -> int | None:
    """Whose rows of followup_days hold the scope's counts: 0 (every item once) without a
    group filter, the group's with one group, None when no single group's rows do (a lead of
    several groups without a group chosen: an item routed to two of them is in both groups'
    rows, so their sum would count it twice)."""
    if scope.group_id is not None:
        if scope.groups is not None and scope.group_id not in scope.groups:
            return None
        return scope.group_id
    if scope.groups is None:
        return 0
    if len(scope.groups) == 1:
        return scope.groups[0]
    return None


# The columns that name a grouped row (``_SETS``), and the condition that two CTEs' rows
# ``a`` and ``b`` are the same row of the same breakdown.
_KEYS = ("period", "document_id", "version_id", "section_key", "category", "care_region")
_KEYS += ("programme_area_id",)


def _same(a: str, b: str) -> str:
    return f"{a}.dimension = {b}.dimension AND " + " AND ".join(
        f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in _KEYS
    )


# The percentiles the figures give, as percentile_cont(ARRAY[0.5, 0.9]) takes them.
_PERCENTILES = ("0.5::float8", "0.9::float8")
# An item's bucket: the quarter of a day its time to the first answer falls in, written as
# followup_times (sql/0033) counts it and its index feedback_followup_times_idx holds it.
_BUCKET = "floor(f.days_to_first_answer * 4)::integer"


def _interpolated(p: str) -> str:
    """percentile_cont's figure for the percentile ``p`` from the rows of ``sorted`` of one
    grouped row: the values at the ranks (from 0) floor and ceil of p x (n - 1) (each in the
    one bucket whose sorted times hold it: out of an array's bounds is NULL), and between
    them, worked out in the same double precision steps as PostgreSQL's (lo + (x - floor(x))
    x (hi - lo), orderedsetaggs.c), so the figure is the same to the last bit."""
    x = f"({p} * (total - 1))"
    lo = f"max(times[(floor({x}) - before + 1)::integer])"
    hi = f"max(times[(ceil({x}) - before + 1)::integer])"
    return f"{lo} + (({x} - floor({x})) * ({hi} - {lo}))"


def _percentiles(where: list[str], days: list[str]) -> str:
    """The CTEs to each grouped row's medians and 90th percentiles (``times``), the same as
    percentile_cont's over the answered items' exact times without reading them all: the
    answered items are counted per bucket (a quarter of a day, never decreasing with the
    time) in followup_times (sql/0033, the rows of the conditions ``days``), so each row's
    counts per bucket place each bucket's times among the row's (how many come before it);
    only the items (the conditions ``where``) in the buckets that hold the ranks
    percentile_cont reads are then read (by the index feedback_followup_times_idx) and their
    times sorted."""
    keys = ", ".join(_KEYS)
    ranks = " OR ".join(
        f"({edge}({p} * (pl.total - 1)) >= pl.before "
        f"AND {edge}({p} * (pl.total - 1)) < pl.before + pl.n)"
        for p in _PERCENTILES
        for edge in ("floor", "ceil")
    )
    return f"""
    histogram AS (
        SELECT {_SETS}, bucket, sum(answered)::bigint AS n
        FROM (
            SELECT s.document_id, s.version_id, s.section_key, s.category, s.care_region,
                   g.programme_area_id, date_trunc($3, s.day::timestamp)::date AS period,
                   s.bucket, s.answered
            FROM followup_times s
            JOIN guidance_documents d ON d.id = s.document_id
            JOIN subject_groups g ON g.id = d.subject_group_id
            WHERE {" AND ".join(days)}) s
        GROUP BY bucket, {_GROUPING}
        HAVING sum(answered) > 0),
    placed AS (
        SELECT h.*,
               (sum(h.n) OVER (PARTITION BY h.dimension, {keys} ORDER BY h.bucket)
                - h.n)::bigint AS before,
               (sum(h.n) OVER (PARTITION BY h.dimension, {keys}))::bigint AS total
        FROM histogram h),
    wanted AS MATERIALIZED (
        SELECT pl.* FROM placed pl WHERE {ranks}),
    picked AS (
        SELECT {_SETS}, bucket, array_agg(days_to_answer) AS times
        FROM (
            SELECT p.starts[width_bucket(f.created_at, p.instants)] AS period,
                   f.document_id, f.version_id, f.section_key, f.category, f.care_region,
                   g.programme_area_id, f.days_to_first_answer AS days_to_answer,
                   {_BUCKET} AS bucket
            FROM feedback f
            JOIN guidance_documents d ON d.id = f.document_id
            JOIN subject_groups g ON g.id = d.subject_group_id
            CROSS JOIN periods p
            WHERE {" AND ".join(where)} AND f.first_answered_at IS NOT NULL
              AND {_BUCKET} = ANY(ARRAY(SELECT DISTINCT w.bucket FROM wanted w))) a
        GROUP BY bucket, {_GROUPING}),
    sorted AS MATERIALIZED (
        SELECT w.dimension, {", ".join(f"w.{k}" for k in _KEYS)}, w.total, w.before,
               ARRAY(SELECT x FROM unnest(pk.times) x ORDER BY x) AS times
        FROM wanted w
        JOIN picked pk ON {_same("pk", "w")} AND pk.bucket = w.bucket),
    times AS (
        SELECT dimension, {keys},
               ARRAY[{", ".join(_interpolated(p) for p in _PERCENTILES)}] AS percentiles
        FROM sorted
        GROUP BY dimension, {keys}, total)
    """


def _themed_tags(scope: Scope, args: list[object]) -> str:
    """The themes' CTE from the tags alone, with their copies of their item's document,
    received time, status, version and time to the first answer (sql/0029, sql/0032): the
    same conditions as on the items (``_conditions``), appending their arguments to
    ``args``; the same figures as ``_themed``, counted per theme before the themes' names
    are joined (a lead's: only the tags with their groups' themes)."""
    tags = [*_conditions(scope, args, TAG), "ft.document_id IS NOT NULL"]
    if scope.groups is not None:
        args.append(scope.groups)
        tags.append(
            "ft.theme_id IN (SELECT gt.id FROM group_themes gt "
            f"WHERE gt.group_id = ANY(${len(args)}::bigint[]))"
        )
    return f"""
    themed AS (
        SELECT t.id, t.name || ' (' || sg.name || ')' AS label, x.received, x.answered,
               x.change_planned, x.changed, x.percentiles
        FROM (SELECT theme_id, {_FIGURES}
              FROM (SELECT ft.theme_id, ft.item_status AS status,
                           ft.days_to_first_answer AS days_to_answer
                    FROM feedback_themes ft WHERE {" AND ".join(tags)}) ft
              GROUP BY theme_id) x
        JOIN group_themes t ON t.id = x.theme_id
        JOIN subject_groups sg ON sg.id = t.group_id)
    """


def summary_sql(scope: Scope, group: int, *, themes: bool = True) -> tuple[str, list[object]]:
    """The breakdowns' statement from the day counts (followup_days, sql/0029), with the
    same rows and figures as ``breakdowns_sql``: the counts are sums of the rows of ``group``
    (``summary_group``) in the period; the medians and 90th percentiles are over the answered
    items' exact times (feedback.days_to_first_answer, the same expression stored), read from
    the items (a count per day cannot give them) and placed by ``_percentiles`` without
    sorting them all. Each item's period is found among the periods' first instants
    (width_bucket), not by converting every item's time to Sweden's. The themes are counted
    from the tags' copies of their items (``_themed_tags``)."""
    where, args = _where(scope)
    args.append(group)
    days = ["s.day >= $1::date", "s.day <= $2::date", f"s.group_id = ${len(args)}"]
    days += _documents(scope, "s.document_id", args)
    if scope.version_id is not None:
        args.append(scope.version_id)
        days.append(f"s.version_id = ${len(args)}")
    themed = f", {_themed_tags(scope, args)}" if themes else ""
    sql = f"""
    WITH periods AS MATERIALIZED (
        SELECT array_agg(d::date ORDER BY d) AS starts,
               array_agg(d AT TIME ZONE 'Europe/Stockholm' ORDER BY d) AS instants
        FROM generate_series(date_trunc($3, $1::date::timestamp), $2::date::timestamp,
                             ('1 ' || $3)::interval) d),
    counted AS (
        SELECT s.document_id, s.version_id, s.section_key, s.category, s.care_region,
               g.programme_area_id, date_trunc($3, s.day::timestamp)::date AS period,
               s.received, s.answered, s.change_planned, s.changed
        FROM followup_days s
        JOIN guidance_documents d ON d.id = s.document_id
        JOIN subject_groups g ON g.id = d.subject_group_id
        WHERE {" AND ".join(days)}),
    counts AS (
        SELECT {_SETS},
               sum(received) AS received, sum(answered) AS answered,
               sum(change_planned) AS change_planned, sum(changed) AS changed
        FROM counted
        GROUP BY {_GROUPING}
        HAVING sum(received) > 0),
    {_percentiles(where, days)}{themed},
    grouped AS (
        SELECT c.*, t.percentiles
        FROM counts c
        LEFT JOIN times t ON {_same("t", "c")})
    {_LABELLED}
    {_THEME_ROWS if themes else ""}
    ORDER BY dimension, received DESC, key
    """
    return sql, args


class Row(msgspec.Struct, frozen=True):
    dimension: str
    key: str | None
    label: str | None
    received: int
    answered: int
    change_planned: int
    changed: int
    median_days: float | None
    p90_days: float | None


def figures_sql(scope: Scope, *, themes: bool = True) -> tuple[str, list[object]]:
    """The statement the page sends: from the day counts when one group's rows (or every
    item's) hold the scope's counts, otherwise counted from the items."""
    group = summary_group(scope)
    if group is None:
        return breakdowns_sql(scope, themes=themes)
    return summary_sql(scope, group, themes=themes)


async def breakdowns(
    conn: asyncpg.Connection, scope: Scope, *, themes: bool = True, direct: bool = False
) -> list[Row]:
    """The figures of every breakdown: the totals, each period, document, version, section,
    category, region and programme area, and (when ``themes``) each theme. ``direct``:
    counted from the items themselves, never from the day counts (what the day counts are
    checked against)."""
    sql, args = (
        breakdowns_sql(scope, themes=themes) if direct else figures_sql(scope, themes=themes)
    )
    async with conn.transaction(readonly=True):
        await conn.execute(SETTINGS)
        rows = await conn.fetch(sql, *args)
    return [Row(**dict(row)) for row in rows]


class Choice(msgspec.Struct, frozen=True):
    """One option of a filter: a programme area, group, document or version. ``parent``: a
    version's document, a document's owning group."""

    kind: str
    id: int
    slug: str
    name: str
    parent: str | None


async def choices(conn: asyncpg.Connection, groups: list[int] | None) -> list[Choice]:
    """The programme areas, groups and documents (with their versions) the asker may follow
    up: all of them for ``groups`` None, otherwise those of these groups. Planned for the
    groups given (the generic plan asyncpg's prepared statement turns to after five calls
    reads every route of the country for each document: 3 s a page view at a million)."""
    async with conn.transaction(readonly=True):
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        rows = await conn.fetch(
            """
        WITH own AS (
            SELECT g.id, g.slug, g.name, g.programme_area_id FROM subject_groups g
            WHERE $1::bigint[] IS NULL OR g.id = ANY($1::bigint[]))
        SELECT 'area' AS kind, pa.id, pa.slug, pa.name, NULL AS parent FROM programme_areas pa
        WHERE pa.id IN (SELECT programme_area_id FROM own)
        UNION ALL
        SELECT 'group', own.id, own.slug, own.name, NULL FROM own
        UNION ALL
        SELECT 'document', d.id, d.slug, d.title, dg.slug FROM guidance_documents d
        JOIN subject_groups dg ON dg.id = d.subject_group_id
        WHERE $1::bigint[] IS NULL OR d.subject_group_id = ANY($1::bigint[])
           OR EXISTS (SELECT 1 FROM own JOIN feedback_routes r
                      ON r.group_id = own.id AND r.document_id = d.id)
        UNION ALL
        SELECT 'version', v.id, v.label, v.label, d.slug FROM document_versions v
        JOIN guidance_documents d ON d.id = v.document_id
        WHERE $1::bigint[] IS NULL OR d.subject_group_id = ANY($1::bigint[])
           OR EXISTS (SELECT 1 FROM own JOIN feedback_routes r
                      ON r.group_id = own.id AND r.document_id = d.id)
        ORDER BY 1, 4, 3
        """,
            groups,
        )
    return [Choice(**dict(row)) for row in rows]


class Target(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


# Documents anyone may read (catalogue.domain.PUBLIC_STATUSES): never a draft.
PUBLIC_DOCUMENT_STATUSES = ("consultation", "published", "archived")


async def public_target(conn: asyncpg.Connection, kind: str, slug: str) -> Target | None:
    """A public document or a programme area, by its slug."""
    if kind == "document":
        row = await conn.fetchrow(
            "SELECT id, slug, title AS name FROM guidance_documents "
            "WHERE slug = $1 AND status = ANY($2::text[])",
            slug,
            list(PUBLIC_DOCUMENT_STATUSES),
        )
    else:
        row = await conn.fetchrow(
            "SELECT id, slug, name FROM programme_areas WHERE slug = $1", slug
        )
    return None if row is None else Target(**dict(row))


async def version_labels(conn: asyncpg.Connection, document_id: int) -> list[str]:
    """A document's published version labels, oldest first."""
    rows = await conn.fetch(
        "SELECT label FROM document_versions WHERE document_id = $1 "
        "AND published_on IS NOT NULL ORDER BY published_on, id",
        document_id,
    )
    return [row["label"] for row in rows]


async def version_id(conn: asyncpg.Connection, document_id: int, label: str) -> int | None:
    return await conn.fetchval(
        "SELECT id FROM document_versions WHERE document_id = $1 AND label = $2",
        document_id,
        label,
    )


async def public_documents(
    conn: asyncpg.Connection, *, area_id: int | None, document_id: int | None
) -> dict[str, str]:
    """Slug -> title of the public documents in a programme area, or of one document."""
    rows = await conn.fetch(
        """
        SELECT d.slug, d.title FROM guidance_documents d
        JOIN subject_groups g ON g.id = d.subject_group_id
        WHERE d.status = ANY($1::text[])
          AND ($2::bigint IS NULL OR g.programme_area_id = $2)
          AND ($3::bigint IS NULL OR d.id = $3)
        """,
        list(PUBLIC_DOCUMENT_STATUSES),
        area_id,
        document_id,
    )
    return {row["slug"]: row["title"] for row in rows}
