""" "Mina synpunkter": the feedback a signed-in person has sent, each item with what its
status page (/folj) shows its submitter: where it was given, the status, the text, the groups'
answers and what has happened. Never what only staff see (who moderated or answered, notes,
the unredacted original)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from medskapa.feedback import service as feedback_service
from medskapa.feedback.domain import ITEM_CATEGORY_LABELS, status_labels
from medskapa.feedback.service import FeedbackService, FeedbackView, submitter_timeline
from medskapa.feedback.web import DEPENDENCIES
from medskapa.security.permissions import Permission, principal_of
from medskapa.web.responses import private_page


def _item(view: FeedbackView) -> dict[str, Any]:
    record = view.record
    return {
        "record": record,
        "status_label": status_labels(record.subject)[record.status],
        "category_label": ITEM_CATEGORY_LABELS[record.category],
        "timeline": [{"at": at, "text": text} for at, text in submitter_timeline(view)],
        "answers": view.answers,
        "placement": view.placement,
    }


class MyFeedbackPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/mina-synpunkter", name="my-feedback", permission=Permission.SIGNED_IN)
    async def mine(
        self, request: Request[Any, Any, Any], service: NamedDependency[FeedbackService]
    ) -> Template:
        user_id = principal_of(request).user_id
        assert user_id is not None
        items = [_item(view) for view in await service.mine(user_id)]
        return private_page(
            "feedback/mine.html",
            items=items,
            cut_short=len(items) >= feedback_service.OWN_ITEMS_SHOWN,
        )
