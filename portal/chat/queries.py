"""Read side of the chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal.chat.models import ChatSession, ChatTurn
from portal.core.errors import NotFound


def session_turns(*, session_id: str, user: Any) -> QuerySet[ChatTurn]:
    """Turns of a session the caller owns. A resident's session is theirs alone; an anonymous
    session belongs to whoever holds its id. Anything else looks like a missing session."""
    session = ChatSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound()
    if session.user_id and (not getattr(user, "is_authenticated", False) or user.pk != session.user_id):
        raise NotFound()
    return session.turns.order_by("created_at", "id")


def unmatched_trend(*, days: int = 30) -> list[tuple]:
    """(date, fallbacks, clarifications) per day for the last ``days`` days, zeros included."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (ChatTurn.objects.filter(created_at__date__gte=start, outcome__in=["fallback", "clarify"])
            .annotate(day=TruncDate("created_at")).values("day", "outcome").annotate(n=Count("id")))
    by_day: dict = {}
    for row in rows:
        by_day.setdefault(row["day"], {})[row["outcome"]] = row["n"]
    return [(start + timedelta(days=i),
             by_day.get(start + timedelta(days=i), {}).get("fallback", 0),
             by_day.get(start + timedelta(days=i), {}).get("clarify", 0)) for i in range(days)]
