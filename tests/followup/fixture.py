"""A small set of items whose follow-up figures were worked out by hand (see each test).

Two weeks in March 2026 (Sweden on winter time, UTC+1), 2-15 March, per week:

| item | received (UTC) | in Sweden  | version | category            | 1st answer | status   |
|------|----------------|------------|---------|---------------------|------------|----------|
| A    | 1 Mar 23:30    | Mon 2 Mar  | 1.0     | hard_to_understand  | +1 day     | answered |
| B    | 3 Mar 10:00    | Tue 3 Mar  | 1.0     | missing_information | +2 days    | answered |
| C    | 5 Mar 10:00    | Thu 5 Mar  | 1.0     | missing_information | +4 days    | changed  |
| D    | 10 Mar 10:00   | Tue 10 Mar | 1.1     | suggestion          | none       | routed   |
| E    | 15 Mar 22:59   | Sun 15 Mar | 1.1     | hard_to_understand  | +10 days   | answered |

A has a section and region 01 (Region Stockholm); A and B carry the group's first theme.

"Hjälpte informationen?": on the heart document two yes and one no with a reason in the period,
one yes after it (20 March); one yes on the diabetes document in the period.

Outside the figures: one received 1 Mar 22:30 UTC (Sunday 1 March in Sweden) and one 15 Mar
23:00 UTC (Monday 16 March), both answered; one in the period that no moderator has let
through; and one in the period routed to the diabetes group (an admin sees it, the heart
group's lead does not).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from medskapa.feedback import helpfulness
from medskapa.feedback.helpfulness import HelpfulnessAnswer
from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.principal import Principal
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.triage.service import TriageService
from tests.factories import make_feedback, make_staff, principal_for, route_to

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
OTHER_DOC = "typ-2-diabetes-primarvard"
OTHER_GROUP = "nag-diabetes"
UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


class Items:
    def __init__(self, ids: dict[str, uuid.UUID], member: Principal, theme: str) -> None:
        self.ids = ids
        self.member = member
        self.theme = theme


async def _answered(
    conn: asyncpg.Connection,
    member: Principal,
    item: uuid.UUID,
    when: dt.datetime,
    target: str = "answered",
) -> None:
    triage = TriageService(conn, lambda: when)
    await triage.transition(member, item, GroupStep(target="in_review"))
    text = "Tack för synpunkten, vi har läst den noga och svarar så här."
    await triage.transition(member, item, GroupStep(target=target, answer=text))


async def make_items(conn: asyncpg.Connection) -> Items:
    user = await make_staff(conn, "medlem@region.se", GROUP)
    member = await principal_for(conn, user, second_factor=True)
    section = await conn.fetchval(
        "SELECT s.key FROM sections s JOIN document_versions v ON v.id = s.version_id "
        "JOIN guidance_documents d ON d.id = v.document_id "
        "WHERE d.slug = $1 AND v.label = '1.0' ORDER BY s.position LIMIT 1",
        DOC,
    )
    plan = {
        "A": (at(1, 23, 30), "1.0", "hard_to_understand", 1, "answered", section, "01"),
        "B": (at(3, 10), "1.0", "missing_information", 2, "answered", None, None),
        "C": (at(5, 10), "1.0", "missing_information", 4, "change_planned", None, None),
        "D": (at(10, 10), "1.1", "suggestion", None, None, None, None),
        "E": (at(15, 22, 59), "1.1", "hard_to_understand", 10, "answered", None, None),
        "before": (at(1, 22, 30), "1.0", "other", 1, "answered", None, None),
        "after": (at(15, 23, 0), "1.1", "other", 1, "answered", None, None),
    }
    ids: dict[str, uuid.UUID] = {}
    for name, (received, version, category, days, target, key, region) in plan.items():
        item = await make_feedback(
            conn,
            now=received,
            document=DOC,
            version=version,
            category=category,
            section=key,
            care_region=region,
        )
        ids[name] = item.id
        await route_to(conn, item.id, GROUP, at=received)
        if days is not None:
            await _answered(conn, member, item.id, received + dt.timedelta(days=days), target)
    await TriageService(conn, lambda: at(20, 12)).link_planned(member, [ids["C"]], "1.1")
    unmoderated = await make_feedback(conn, now=at(4, 12), document=DOC)
    ids["unmoderated"] = unmoderated.id
    other = await make_feedback(conn, now=at(4, 12), document=OTHER_DOC)
    await route_to(conn, other.id, OTHER_GROUP, at=at(4, 12))
    ids["other"] = other.id
    theme = await conn.fetchrow(
        "SELECT t.id, t.name FROM group_themes t JOIN subject_groups g ON g.id = t.group_id "
        "WHERE g.slug = $1 ORDER BY t.id LIMIT 1",
        GROUP,
    )
    triage = TriageService(conn, lambda: at(20, 12))
    for name in ("A", "B"):
        await triage.set_themes(member, ids[name], [theme["id"]])
    key = await instance_secret(conn, RECEIPT_KEY)
    answers = [
        (DOC, "ja", "", at(3, 9)),
        (DOC, "ja", "", at(10, 9)),
        (DOC, "nej", "För svårt språk", at(12, 9)),
        (DOC, "ja", "", at(20, 9)),
        (OTHER_DOC, "ja", "", at(4, 9)),
    ]
    for n, (document, helpful, reason, when) in enumerate(answers):
        given = HelpfulnessAnswer(
            document=document,
            version=None,
            section=None,
            helpful=helpful,
            reason=reason,
            browser=f"webblasare-nummer-{n:06d}",
        )
        await helpfulness.answer(conn, key, when, given)
    return Items(ids, member, theme["name"])
