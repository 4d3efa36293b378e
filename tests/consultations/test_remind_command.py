from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.consultations.service import ConsultationInput
from medskapa.organisations import domain
from tests.organisations.conftest import Services, World
from tests.test_cli import run_cli


async def test_remind_command_queues_each_reminder_once(
    conn: asyncpg.Connection, database_url: str, services: Services, who: object, world: World
) -> None:
    now = dt.datetime.now(dt.UTC)
    today = domain.local_date(now)
    group = await who(world.group_member, staff=True)  # type: ignore[operator]
    await services(now).consultations.open_consultation(
        group,
        ConsultationInput(
            document="kol",
            version="2.0",
            title="Remiss som stänger i morgon",
            questions=["Saknas något?"],
            start=today.isoformat(),
            deadline=(today + dt.timedelta(days=1)).isoformat(),
            organisations=[world.org_a, world.org_b],
        ),
    )
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    first = run_cli("consultations", "remind", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Queued 2 reminder e-mail(s)."
    second = run_cli("consultations", "remind", env=env)
    assert second.stdout.strip() == "Queued 0 reminder e-mail(s)."
    links = await conn.fetch(
        "SELECT context->>'link' FROM outbox_messages WHERE template = 'consultation_reminder'"
    )
    assert len(links) == 2
    assert all(r[0].startswith("/remisser/") for r in links)
