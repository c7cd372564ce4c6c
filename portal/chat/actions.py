"""Chat use cases (each one transaction): answer a message, hand off to staff, record and map
unmatched questions, issue and redeem WebSocket tickets."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import RevokedSession
from portal.chat import understanding
from portal.chat.catalogue import catalogue_matcher
from portal.chat.engine import Engine
from portal.chat.models import (
    Channel,
    ChatSession,
    ChatTurn,
    HandoffTicket,
    LexiconEntry,
    UnmatchedQuestion,
    is_session_id,
)
from portal.chat.sentences import in_language
from portal.core.errors import Forbidden, PortalError
from portal.masking import mask_text
from portal.nlu.language import CHINESE, ENGLISH, written_in


class MessageInvalid(PortalError):
    code = "invalid"
    message = _("请输入要问的内容。")


class MessageTooLong(PortalError):
    code = "too_long"
    message = _("消息太长了，请精简到 500 字以内。")


class SessionForbidden(Forbidden):
    code = "session_forbidden"
    message = _("这个会话属于其他用户，请重新开始对话。")


# A catalogue match is evidence for service.search when it covers at least two terms of the
# question (one word alone — 知青, 日期 — matches item names by accident) and scores EVIDENCE_FLOOR+;
# alone it reaches "clarify", with any 办事 word "accept".
EVIDENCE_FLOOR = 35.0
EVIDENCE_MAX = 0.55
# A message that names one matter and nothing else (残疾, 户口) has no second term to agree; when the
# best match is a frequent item (高频事项) whose name has that very word, the resident is asking about
# that matter — enough to answer with the items (alone, above CLARIFY with nothing else close).
ONE_MATTER_EVIDENCE = 0.5
# One term of three characters or more that an item matches almost whole (台湾通行证 → 往来台湾通行证
# 及签注办理, 长护险 → 长期护理保险…) is a matter's own name, not a word met by accident.
NAMED_MATTER_SCORE = 80.0
NAMED_MATTER_CHARS = 3


def _catalogue_evidence(text: str) -> dict[str, float] | None:
    """A strong catalogue match is one more cue for service.search."""
    matcher = catalogue_matcher()
    if matcher is None:
        return None
    matches = matcher.search(text, limit=1, min_score=EVIDENCE_FLOOR)
    if not matches:
        return None
    best = matches[0]
    if len(best.matched) < 2:  # one term: evidence only for a matter named whole
        frequent_answer = getattr(matcher, "frequent_answer", None)
        named = best.score >= NAMED_MATTER_SCORE and best.matched and len(best.matched[0]) >= NAMED_MATTER_CHARS
        if named or (frequent_answer is not None and frequent_answer(text, best.id, best.name)):
            return {"service.search": ONE_MATTER_EVIDENCE}
        return None
    strength = 0.3 + (best.score - EVIDENCE_FLOOR) / 60 + 0.05 * (len(best.matched) - 2)
    return {"service.search": min(EVIDENCE_MAX, strength)}


def _session_for(*, session_id: str | None, user: Any, channel: str) -> ChatSession:
    authenticated = getattr(user, "is_authenticated", False)
    session = None
    if session_id:  # an id none of ours can have names no session (and PostgreSQL refuses a NUL)
        session = ChatSession.objects.select_for_update().filter(pk=session_id).first() if is_session_id(
            session_id) else None
        if session is not None and session.user_id and (not authenticated or session.user_id != user.pk):
            raise SessionForbidden()
    elif authenticated:
        # Resumable from any channel: a signed-in resident continues their latest conversation.
        since = timezone.now() - timedelta(minutes=settings.CHAT_RESUME_MINUTES)
        session = (ChatSession.objects.select_for_update().filter(user=user, updated_at__gte=since)
                   .order_by("-updated_at").first())
    if session is None:
        session = ChatSession.objects.create(user=user if authenticated else None, channel=channel)
    elif authenticated and session.user_id is None:
        session.user = user  # signed in mid-conversation: the session is theirs from now on
    return session


def _is_text(value: Any) -> bool:
    """Something a resident can have typed: a non-blank string with no NUL (PostgreSQL cannot store
    one) and no lone surrogate (not UTF-8). The REST serializer refuses the same; the WebSocket has
    only this check."""
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Session state: the payloads of the last English reply's quick replies (确认, 换个时间 …), which a tap sends.
TAPPED = "quick_payloads"


def reply_language(*, text: str, state: dict, requested: str | None) -> str:
    """The language of the reply to ``text`` (docs/chat.md, "Reply language"), for both transports:
    a message clearly in English is answered in English and one in Chinese in Chinese, whatever the
    client's language; a message that says nothing of its language ("ok", "hi", a payload, a town in
    pinyin, a quick reply of the last English answer tapped) keeps the conversation's, and the first
    of a conversation takes the request's (the language cookie, then Accept-Language)."""
    written = written_in(text)
    if text in (state.get(TAPPED) or ()):  # a quick reply of the last answer, tapped: its payload (确认) is not the
        written = None                     # resident's own words, and keeps the conversation's language
    if written is None:
        written = state.get("language") or (ENGLISH if (requested or "").lower().startswith("en") else CHINESE)
    return ENGLISH if written == ENGLISH else CHINESE


def _reply_in(language: str, reply: dict) -> dict:
    """The reply's sentences and quick-reply titles in ``language`` where the catalogue has them
    (the skills write Chinese, sentences with details through ``sentences.say``; cards keep the
    domain's names)."""
    chinese = {**reply, "text": str(reply.get("text") or ""),
               "quick_replies": [{**q, "title": str(q.get("title") or "")} for q in reply.get("quick_replies") or ()]}
    if language == CHINESE:
        return chinese
    text = in_language(language, reply.get("text") or "")
    if text is None:
        return chinese
    quick = []
    for option, kept in zip(reply.get("quick_replies") or (), chinese["quick_replies"], strict=True):
        title = in_language(language, option.get("title") or "")
        quick.append({**option, "title": title} if title is not None else kept)
    return {**reply, "text": text, "quick_replies": quick}


def chat_reply(*, text: Any, user: Any, session_id: str | None = None, channel: str = Channel.WEB,
               now=None, language: str | None = None) -> dict:
    """Answer one message: understand it, move the dialogue on, persist the turn. Returns the
    contract's reply object (DESIGN §5). ``language`` is the request's (cookie, Accept-Language);
    the reply's is ``reply_language``."""
    if not _is_text(text):
        # The lazy sentence, not str(): the WebSocket renders it in the handshake's language.
        raise MessageInvalid(fields={"text": [MessageInvalid.message]})
    text = text.strip()
    if len(text) > settings.CHAT_MAX_TEXT:
        raise MessageTooLong(fields={"text": [MessageTooLong.message]})
    # No skill needs an ID or phone number typed here (receipt numbers are not masked): masked before
    # the engine reads it, none reaches a slot, the dialogue state, a reply, a log line or a row.
    text = mask_text(text)
    if channel not in Channel.values:
        channel = Channel.WEB
    # The skills speak Chinese: what they take from the domain (an action's refusal, a status name)
    # is rendered in Chinese too, not in the client's Accept-Language in the middle of a sentence.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        session = _session_for(session_id=session_id, user=user, channel=channel)
        answer_in = reply_language(text=text, state=session.state or {}, requested=language)
        engine = Engine(understanding.classifier(), evidence=_catalogue_evidence)
        result = engine.handle(text, state=session.state, user=user, channel=channel, session_id=session.pk,
                               now=now)
        reply = result.reply.as_dict()
        session.state = {**{k: v for k, v in result.state.items() if k != TAPPED}, "language": answer_in}
        if answer_in != CHINESE and reply["quick_replies"]:
            session.state[TAPPED] = [q["payload"] for q in reply["quick_replies"]][:10]
        session.channel = channel
        session.save()
        payload = {
            "session": session.pk,
            "intent": {"name": result.intent, "confidence": round(float(result.confidence), 2)},
            "slots": result.slots,
            "reply": _reply_in(answer_in, reply),
        }
        # Stored masked: residents type ID and phone numbers; staff and editors read these rows.
        ChatTurn.objects.create(session=session, text=mask_text(text), normalized=mask_text(result.normalized)[:1000],
                                intent=result.intent, confidence=result.confidence, outcome=result.outcome,
                                slots=result.slots, reply=payload["reply"], channel=channel)
        if result.outcome in (ChatTurn.Outcome.FALLBACK, ChatTurn.Outcome.CLARIFY):
            unmatched_record(normalized=mask_text(result.normalized), example=mask_text(text), outcome=result.outcome,
                             channel=channel)
    return payload


def unmatched_record(*, normalized: str, example: str, outcome: str, channel: str) -> None:
    key = normalized[:255] or example[:255]
    now = timezone.now()
    counters = {"count": F("count") + 1, "last_seen": now, "last_channel": channel}
    counters["fallback_count" if outcome == ChatTurn.Outcome.FALLBACK else "clarify_count"] = (
        F("fallback_count" if outcome == ChatTurn.Outcome.FALLBACK else "clarify_count") + 1)
    updated = UnmatchedQuestion.objects.filter(normalized=key).update(**counters)
    if not updated:
        try:
            with transaction.atomic():
                UnmatchedQuestion.objects.create(
                    normalized=key, example=example[:500], count=1, last_seen=now, last_channel=channel,
                    fallback_count=int(outcome == ChatTurn.Outcome.FALLBACK),
                    clarify_count=int(outcome == ChatTurn.Outcome.CLARIFY))
        except IntegrityError:  # another process created it first
            UnmatchedQuestion.objects.filter(normalized=key).update(**counters)


def unmatched_map(*, question: UnmatchedQuestion, intent: str = "", item_id: str = "", item_name: str = "",
                  editor: Any = None) -> LexiconEntry:
    """An editor says what an unmatched question meant: an intent, or a service item (which implies
    ``service.search``). The phrase joins the NLU at once, in every process."""
    from portal.chat import registry

    if item_name:
        intent = "service.search"
    if intent not in registry.skills() or intent == "fallback":
        raise PortalError(_("请选择一个有效的意图或事项。"), code="invalid")
    with transaction.atomic():
        entry, _created = LexiconEntry.objects.update_or_create(
            phrase=question.normalized, intent=intent,
            defaults={"item_id": item_id, "item_name": item_name, "source": question, "created_by": editor,
                      "active": True})
        question.status = UnmatchedQuestion.Status.MAPPED
        question.mapped_intent = intent
        question.mapped_item_id = item_id
        question.mapped_item_name = item_name
        question.save(update_fields=["status", "mapped_intent", "mapped_item_id", "mapped_item_name"])
        transaction.on_commit(understanding.bump_version)
    return entry


def handoff_create(*, session_id: str, user: Any, channel: str, reason: str = "") -> HandoffTicket:
    """Open a hand-off ticket for this conversation (one open ticket per conversation)."""
    session = ChatSession.objects.get(pk=session_id)
    open_ticket = session.handoffs.exclude(status=HandoffTicket.Status.CLOSED).first()
    if open_ticket:
        return open_ticket
    recent = list(session.turns.order_by("-created_at").values_list("text", flat=True)[:5])
    summary = reason or "\n".join(reversed(recent))
    number = timezone.localtime().strftime("RG%Y%m%d") + secrets.token_hex(3).upper()
    authenticated = getattr(user, "is_authenticated", False)
    with transaction.atomic():
        return HandoffTicket.objects.create(number=number, session=session, user=user if authenticated else None,
                                            channel=channel, reason=summary[:2000])


# --- WebSocket tickets: short-lived, single use, never a long-lived token in a URL --------------
_TICKET_KEY = "chat:ws-ticket:{}"


def ws_ticket_issue(*, user: Any, session: str = "") -> dict:
    """A ticket for ``user``, of the signed-in session (``sid``) it was asked with: logout ends it too."""
    ticket = secrets.token_urlsafe(24)
    ttl = settings.CHAT_WS_TICKET_SECONDS
    cache.set(_TICKET_KEY.format(ticket), [user.pk, session], timeout=ttl)
    return {"ticket": ticket, "expires_in": ttl}


def ws_ticket_redeem(*, ticket: str) -> tuple[Any, str] | None:
    """(the user a ticket was issued to, their session id), once; None if unknown, expired, already
    used, or the session has logged out since."""
    if not ticket or len(ticket) > 64:
        return None
    key = _TICKET_KEY.format(ticket)
    held = cache.get(key)
    if held is None:
        return None
    # cache.add is atomic (Redis SET NX): of two connections racing with one ticket, one wins.
    if not cache.add(key + ":used", 1, timeout=settings.CHAT_WS_TICKET_SECONDS):
        return None
    cache.delete(key)
    user_id, session = held if isinstance(held, list) else (held, "")  # a ticket issued before sessions
    user = (get_user_model().objects.filter(pk=user_id, is_active=True)
            .filter(~Exists(RevokedSession.objects.filter(sid=session))).first())
    return (user, session) if user is not None else None
