"""Dialogue management: from a message and the session's state to a reply and the next state.

The state (a JSON dict kept on the session) holds:

- ``task``: the intent being worked on and its slots (``{"intent", "slots", "awaiting"}``);
- ``memory``: the last slots the resident stated (sport, date, time, district) — a new task starts
  from them, so "羽毛球馆在哪" then "帮我订明天的" books badminton;
- ``pending``: a write waiting for the resident's yes (every skill with ``writes=True``);
- ``last``: the last intent answered, for carry-over ("那后天呢" repeats it with the new date);
- ``offered``: intents offered in a clarification, so "第一个"/"1" picks one;
- ``choices``: what a skill offered to pick (slots, bookings — ``Reply.choices``), so a tap
  (``#pick:<id>``), "第一个", "2号场" or "14点那个" picks one: the skill runs again with the slot
  ``choice``, which is forgotten as soon as another detail changes (那后天呢 offers anew).

Rules, in order: reset words clear everything; a pending write takes yes/no (or a changed slot,
then asks again); a clarification choice is honoured, then a pick among the skill's choices; a
question about what the last skill just showed goes back to it (``Skill.follow_up``: "需要带什么"
after a catalogue search); otherwise the classifier decides, with carry-over when the message
only brings slots. Personal intents ask an anonymous resident to sign in (a login card) and keep
the task, so it continues after login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from urllib.parse import parse_qsl

from django.utils.translation import gettext_noop

from portal.chat import registry
from portal.chat.registry import Card, QuickReply, Reply, Skill, Turn
from portal.chat.sentences import say
from portal.chat.sentences import text as sentence
from portal.nlu.intents import Decision, IntentClassifier
from portal.nlu.normalize import normalize
from portal.nlu.slots import without_party
from portal.nlu.timeparse import in_context, parse_when

MEMORY_SLOTS = ("sport", "date", "time_from", "time_to", "district")
_RESET = {"算了", "不要了", "不用了", "不订了", "不约了", "不办了", "重新开始", "重来", "没事了", "先不了", "再说吧",
          "退出", "forget it", "never mind", "nevermind", "reset", "start over", "cancel that"}
# "我不办了", "那我暂时不约了吧": the words before and after a reset do not change it (and 不办 must
# never reach the lexicon, whose sound matching reads it as 补办).
_RESET_LEAD = re.compile(r"^(?:那就|那我|我先|我还是|我就|还是|那|我|就|先|暂时|今天|现在)+")
_RESET_CORE = {"不办", "不订", "不约", "不弄", "不想办", "不想订", "不想约", "不想弄", "不想要", "不用办", "不需要了",
               "不用约", "不用订", "不预约", "不去", "不想去", "不打", "不想打"}
_YES = {"确认", "确定", "好的", "好", "好啊", "好吧", "是", "是的", "对", "对的", "可以", "行", "没问题", "嗯", "嗯嗯",
        "ok", "okay", "yes", "y", "sure", "就这个", "就这样", "订吧", "约吧", "确认预约", "确认取消",
        "转人工", "需要", "要"}
_NO = {"不", "不要", "不用", "否", "no", "n", "不是", "不对", "取消", "不取消了", "先不", "不了"}
_PARTICLES = re.compile(r"[吧啊呀呢哦嘛啦了的]+$")
INTENT_PAYLOAD = "#intent:"
PICK_PAYLOAD = "#pick:"
CHOICE_SLOT = "choice"
# 第一个, 第2个, 选3, 要第二个, 就1 … (after normalisation Chinese numerals before 个 are digits)
_POSITION = re.compile(r"^(?:选|要|就|订|约|取消|我要|我选)?第?([1-9一二三四五六七八九])(?:个|项|条)?(?:那个|这个)?$")
_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九")}
# Said around a place with 第 (那就第一个吧, 帮我订第一个, 第一个就行), or from the end (最后一个,
# 倒数第二个); English: the first one, I'll take the last one, option 2 (spaces removed).
_LEAD = r"(?:那|就|嗯|好的|好|行|我|帮我|给我|要|选|订|约|来|取消|还是)*"
_TAIL = r"(?:个|项|条|张)?(?:那个|这个|时段|场地|球场|场|的|就行|就好|就可以|可以|好了|吧|谢谢|了)*"
_ORDINAL = rf"^{_LEAD}第([1-9一二三四五六七八九]){_TAIL}$"
_FROM_END = re.compile(rf"^{_LEAD}(?:最后(?:面)?(?:1)?|倒数第?([1-9一二三四五六七八九])){_TAIL}$")
_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                "fifth": 5, "5th": 5, "last": -1}
_EN_POSITION = re.compile(r"^(?:i'?lltake|iwilltake|take|pick|choose|iwant|book|justthe|just)?(?:the)?("
                          + "|".join(_EN_ORDINALS) + r")(?:one|option|slot|court)?(?:please|pls)?$")
_EN_NUMBER = re.compile(r"^(?:number|no\.?|option|choice)([1-9])$")


def _position(bare: str, count: int) -> int | None:
    """Which of ``count`` things on offer a message picks by its place: 第一个, 就第2个吧 → 0, 1;
    最后一个, 倒数第二个 → count-1, count-2; the first one, the last one. None when it names no place
    or one beyond the list."""
    bare = bare.lower()
    index = None
    match = _POSITION.match(bare) or re.match(_ORDINAL, bare) or _EN_NUMBER.match(bare)
    if match:
        digit = match.group(1)
        index = int(digit) - 1 if digit.isdigit() else _DIGITS[digit]
    elif match := _FROM_END.match(bare):
        digit = match.group(1) or "1"
        index = count - (int(digit) if digit.isdigit() else _DIGITS[digit] + 1)
    elif match := _EN_POSITION.match(bare):
        nth = _EN_ORDINALS[match.group(1)]
        index = count - 1 if nth < 0 else nth - 1
    return index if index is not None and 0 <= index < count else None


ANYTHING_ELSE = gettext_noop("还有什么可以帮您？")
_CHANGE_TIME = {"换个时间", "换时间", "改时间", "改个时间", "换一天", "换个日子", "换个时段"}
_CONTINUE = {"继续", "好了", "登录了", "我登录了", "已登录", "登录好了", "continue", "#login"}


@dataclass
class Result:
    intent: str
    confidence: float
    slots: dict[str, str]
    reply: Reply
    outcome: str  # accept | clarify | fallback | dialogue
    normalized: str
    state: dict
    attach_login: bool = False
    extra: dict = field(default_factory=dict)


def _bare(text: str) -> str:
    return _PARTICLES.sub("", normalize(text).replace(" ", "")) or normalize(text)


def _is_reset(bare: str, normalized: str) -> bool:
    if bare in _RESET or normalized in _RESET:
        return True
    whole = normalized.replace(" ", "")
    half = len(whole) // 2
    if half and whole == whole[:half] * 2:  # 算了算了
        return _is_reset(_bare(whole[:half]), whole[:half])
    core = _PARTICLES.sub("", _RESET_LEAD.sub("", bare))
    return core in _RESET or core in _RESET_CORE


def _skills() -> dict[str, Skill]:
    return registry.skills()


def _with_details(base: dict, new: dict) -> dict:
    """A task's slots updated with what the message brings; a pick made for the old details
    (``choice``) no longer holds once any detail changes — except the party size alone (我们三个人
    after the read-back): the slot picked is still the one, read back again with the new size."""
    if set(new) - {"party_size"}:
        base = {k: v for k, v in base.items() if k != CHOICE_SLOT}
    if new.get("time_from") and not new.get("time_to"):
        # A clock time said alone (下午3点 after 上午) is the time now: the old part of the day
        # no longer bounds it (15:00–12:00 found nothing).
        base = {k: v for k, v in base.items() if k != "time_to"}
    return {**base, **new}


def _window(slots: dict) -> tuple[time | None, time | None]:
    """The part of the day a conversation's slots are about (time_from, time_to)."""
    return tuple(time.fromisoformat(slots[k]) if slots.get(k) else None for k in ("time_from", "time_to"))


def _times_in_context(new: dict, text: str, context: dict) -> dict:
    """A message's slots with a bare clock hour read in the part of the day the conversation is
    about: "7点" after "明天晚上" is 19:00, not 07:00 (``timeparse.in_context``)."""
    if not new.get("time_from") or new.get("time_to"):
        return new
    at = in_context(time.fromisoformat(new["time_from"]), text, _window(context))
    return {**new, "time_from": at.strftime("%H:%M")}


def _contains(text: str, key: str) -> bool:
    """``key`` occurs in ``text`` and not inside a longer number (2号场 is not in 12号场)."""
    key = normalize(key).replace(" ", "")
    start = text.find(key) if key else -1
    while start >= 0:
        before = text[start - 1] if start else ""
        after = text[start + len(key)] if start + len(key) < len(text) else ""
        if not (key[0].isdigit() and before.isdigit()) and not (key[-1].isdigit() and after.isdigit()):
            return True
        start = text.find(key, start + 1)
    return False


def _picked(text: str, bare: str, state: dict, now: datetime | None) -> str | list[dict] | None:
    """The id of the offered choice this message picks; the choices it names when it names
    several (1号场 at 14:00 and at 15:00); None when it picks nothing."""
    items = (state.get("choices") or {}).get("items") or []
    if not items:
        return None
    if text.startswith(PICK_PAYLOAD):
        wanted = text[len(PICK_PAYLOAD):].strip()
        return wanted if any(item["id"] == wanted for item in items) else None
    index = _position(bare, len(items))
    if index is not None:
        return items[index]["id"]
    if _position(bare, 99) is not None:
        return None  # 第六个 of five: a place, not a time or a court
    # Only words that tell the choices apart count (张江 on every card picks nothing).
    common = set.intersection(*(set(item.get("keys") or ()) for item in items)) if len(items) > 1 else set()
    matched = {key for item in items for key in item.get("keys") or () if key not in common and _contains(bare, key)}
    named = [sum(1 for key in item.get("keys") or () if key in matched) for item in items]
    rest = bare
    for key in sorted(matched, key=len, reverse=True):
        rest = rest.replace(normalize(key).replace(" ", ""), " ")
    when = parse_when(rest, now)  # 2号场 names a court, not the 2nd of the month
    task_slots = (state.get("pending") or state.get("task") or {}).get("slots") or {}
    if when.date and when.date.isoformat() != task_slots.get("date"):
        return None  # another day (那后天14点呢, 后天的2号场): asked anew
    at = in_context(when.time_from, rest, _window(task_slots)).strftime("%H:%M") if when.time_from else None
    timed = [int(bool(at) and item.get("time") == at) for item in items]
    if at and not when.time_to and not any(timed):
        return None  # a clock time none of them has (20点4号场 with 18:00 on offer): a new time, asked anew
    scores = [n + t for n, t in zip(named, timed, strict=True)]
    best = max(scores)
    if best and scores.count(best) == 1:
        return items[scores.index(best)]["id"]
    if best and any(named):
        return [item for item, score in zip(items, scores, strict=True) if score == best]
    return None  # only a time shared by several: the message is read as a new time (14点那个)


def login_reply(skill: Skill) -> Reply:
    return Reply(
        say("%(task)s需要先登录，登录后我会接着帮您办。", task=sentence(skill.title)),
        cards=[Card("login", "login", "登录后继续", {"action": "login", "intent": skill.name, "payload": "#login"})],
        quick_replies=[QuickReply(gettext_noop("去登录"), "#login")],
        done=False,
    )


def _missing(skill: Skill, slots: dict) -> str | None:
    for name in skill.required:
        if not slots.get(name):
            return name
    return None


def _slot_prompt(skill: Skill, slot: str) -> Reply:
    from booking.skills import SPORT_QUICK_REPLIES, TIME_QUICK_REPLIES  # they live with the venue skills

    text = skill.prompts.get(slot) or f"请告诉我{slot}。"
    quick: list[QuickReply] = []
    if slot == "sport":
        quick = list(SPORT_QUICK_REPLIES)
    elif slot == "time_from":
        quick = list(TIME_QUICK_REPLIES)
    elif slot == "date":
        quick = [QuickReply(d, d) for d in (gettext_noop("今天"), gettext_noop("明天"), gettext_noop("后天"),
                                            gettext_noop("这周六"), gettext_noop("这周日"))]
    return Reply(text, quick_replies=quick, done=False)


class Engine:
    def __init__(self, classifier: IntentClassifier, *, evidence=None):
        self.classifier = classifier
        self.evidence = evidence  # callable(text) -> {intent: weight}, e.g. a catalogue match

    def handle(self, text: str, *, state: dict | None, user: Any, channel: str, session_id: str,
               now: datetime | None = None) -> Result:
        state = dict(state or {})
        bare = _bare(text)
        normalized = normalize(text)

        # 1. Reset words clear the conversation.
        if _is_reset(bare, normalized):
            previous = (state.get("pending") or state.get("task") or {}).get("intent") or state.get("last") or "help"
            state = {"memory": {}}
            reply = Reply(gettext_noop("好的，已经取消，我们重新开始。") + ANYTHING_ELSE, quick_replies=_starters())
            return Result(previous, 1.0, {}, reply, "dialogue", normalized, state)

        # 2. A write waiting for confirmation.
        pending = state.get("pending")
        if pending:
            if bare in _YES or normalized in _YES:
                return self._run(_skills()[pending["intent"]], pending["slots"], text, state, user, channel,
                                 session_id, confirmed=True, outcome="dialogue", normalized=normalized)
            if bare in _NO or normalized in _NO:
                state.pop("pending", None)
                state.pop("task", None)
                state.pop("choices", None)
                return Result(pending["intent"], 1.0, pending["slots"],
                              Reply(gettext_noop("好的，不办了。") + ANYTHING_ELSE, quick_replies=_starters()),
                              "dialogue", normalized, state)
        # A yes with nothing pending here may answer a question asked outside the chat: a place on
        # the waiting list held for the resident ("请在 18:10 前确认预约", the notification said).
        elif (bare in _YES or normalized in _YES) and getattr(user, "is_authenticated", False):
            for candidate in _skills().values():
                held = candidate.standing(user, state) if candidate.standing else None
                if held:
                    return self._run(candidate, held, text, state, user, channel, session_id, confirmed=True,
                                     outcome="dialogue", normalized=normalized)

        # A pending write or a task in progress, and the resident wants another time: ask for the
        # date again.
        task = state.get("task")
        changing = pending or (task if task and task.get("intent") in _skills() else None)
        if changing and bare in _CHANGE_TIME:
            state.pop("pending", None)
            state.pop("choices", None)
            slots = {k: v for k, v in (changing.get("slots") or {}).items()
                     if k not in ("date", "time_from", "time_to", CHOICE_SLOT)}
            return self._start(changing["intent"], slots, text, state, user, channel, session_id, 1.0, "dialogue",
                               normalized, fresh=False)

        # Back from signing in ("继续"): pick the task up where it stopped.
        if task and (bare in _CONTINUE or text.strip() in _CONTINUE) and task.get("intent") in _skills():
            return self._start(task["intent"], dict(task.get("slots") or {}), text, state, user, channel,
                               session_id, 1.0, "dialogue", normalized, fresh=False)

        # 3. A choice from a clarification (payload or "第一个").
        forced = None
        payload_slots: dict[str, str] = {}
        if text.startswith(INTENT_PAYLOAD):
            # "#intent:service.search?item=12&topic=materials": an intent and slots from a quick reply
            forced, _, query = text[len(INTENT_PAYLOAD):].strip().partition("?")
            payload_slots = {k: v for k, v in parse_qsl(query) if k.isidentifier()}
        elif state.get("offered") and (place := _position(bare, len(state["offered"]))) is not None:
            forced = state["offered"][place]
        if forced and forced in _skills():
            slots = {**(state.get("offered_slots") or {}), **payload_slots}
            # The choice answers the question that was asked: the skill reads that, not the tap
            # ("#intent:service.search" searched the catalogue for "intentservicesearch").
            asked = state.pop("offered_text", None)
            if not (asked and not payload_slots and forced in (state.get("offered") or ())):
                asked = text
            state.pop("offered", None)
            return self._start(forced, slots, asked, state, user, channel, session_id, 1.0, "accept", normalized)

        # A pick among what a skill offered (a slot, a booking): run it again with that choice. How many
        # people, said with the pick (第一个 2个人, 1号场 两位), is kept with it, not read as a court or a place.
        party, rest = without_party(bare)
        party_said = {"party_size": str(party)} if party else {}
        picked = _picked(text, rest.replace(" ", "") if party and rest.strip() else bare, state, now)
        offer = state.get("choices") or {}
        if isinstance(picked, list) and offer.get("intent") in _skills():
            # "1号场" and two 1号场 were offered: narrow the choices to them and ask which.
            state["choices"] = {"intent": offer["intent"], "items": picked}
            state.pop("pending", None)
            if task and party_said:
                task = state["task"] = {**task, "slots": {**(task.get("slots") or {}), **party_said}}
            reply = Reply(gettext_noop("您说的是哪一个？"), done=False,
                          quick_replies=[QuickReply(item["title"], PICK_PAYLOAD + item["id"]) for item in picked])
            return Result(offer["intent"], 1.0, dict((task or {}).get("slots") or {}), reply, "dialogue", normalized,
                          state)
        if isinstance(picked, str) and offer.get("intent") in _skills():
            intent = offer["intent"]
            source = next((s for s in (pending, task) if s and s.get("intent") == intent), None)
            slots = {**((source or {}).get("slots") or state.get("last_slots") or {}), **party_said,
                     CHOICE_SLOT: picked}
            state.pop("pending", None)
            state["task"] = {"intent": intent, "slots": slots, "awaiting": None}
            return self._run(_skills()[intent], slots, text, state, user, channel, session_id, confirmed=False,
                             outcome="dialogue", normalized=normalized)
        if text.startswith(PICK_PAYLOAD):  # a card of an earlier offer, no longer on the table
            intent = offer.get("intent") or state.get("last") or "help"
            return Result(intent if intent in _skills() else "help", 1.0, {},
                          Reply(gettext_noop("这个选项已经失效了，请从最新的列表里选，或者重新告诉我您想办什么。"),
                                quick_replies=_starters(), done=False),
                          "dialogue", normalized, state)

        # 4. Understand the message. One a skill knows by its shape (a receipt number) is that skill's.
        shaped = None if pending else next((s for s in _skills().values() if s.recognises and s.recognises(text)), None)
        if shaped is not None:
            state.pop("offered", None)
            state.pop("offered_text", None)
            return self._start(shaped.name, {}, text, state, user, channel, session_id, 1.0, "accept", normalized)
        evidence = self.evidence(text) if self.evidence else None
        decision: Decision = self.classifier.classify(text, now=now, evidence=evidence)

        # A question about what the last answer showed ("多久能办好" after an item): that skill again.
        last = _skills().get(state.get("last") or "")
        if not pending and last is not None and last.follow_up is not None and last.follow_up(text, state):
            state.pop("offered", None)
            state.pop("offered_text", None)
            return self._run(last, {}, text, state, user, channel, session_id, confirmed=False,
                             outcome="dialogue", normalized=normalized, confidence=max(decision.confidence, 0.5))
        # Only the task in progress sets the part of the day, for a message that continues it: an
        # evening court on offer must not turn "明天9点看牙" into 21:00.
        going_on = pending or task
        new_slots = decision.slots
        if going_on and (decision.outcome != "accept" or decision.intent == going_on.get("intent")):
            new_slots = _times_in_context(new_slots, text, going_on.get("slots") or {})
        state.pop("offered", None)
        state.pop("offered_text", None)
        memory = dict(state.get("memory") or {})
        memory.update({k: v for k, v in new_slots.items() if k in MEMORY_SLOTS})
        state["memory"] = memory

        # A pending write and the resident changes a detail ("换成后天"): ask again with it.
        if pending and new_slots and (decision.outcome != "accept" or decision.intent == pending["intent"]):
            slots = _with_details(pending["slots"], new_slots)
            state.pop("pending", None)
            return self._start(pending["intent"], slots, text, state, user, channel, session_id,
                               max(decision.confidence, 0.5), "dialogue", normalized, fresh=False)
        if pending and decision.outcome == "accept" and decision.intent != pending["intent"]:
            state.pop("pending", None)  # the resident moved on: the write is dropped
        elif pending and decision.outcome == "fallback" and not new_slots:
            # Neither yes, no, nor anything else ("第一个" under a single read-back): ask again.
            reply = Reply(say("%(task)s还在等您确认：回复“确认”继续，或者说“算了”不办了。",
                              task=sentence(_skills()[pending["intent"]].title)),
                          quick_replies=[QuickReply(gettext_noop("确认"), "确认"),
                                         QuickReply(gettext_noop("算了"), "算了")], done=False)
            return Result(pending["intent"], 1.0, dict(pending["slots"]), reply, "dialogue", normalized, state)

        task = state.get("task")
        # The answer to the question just asked ("想约几点？" → "下午") is not small talk (下午好).
        answers = bool(task and task.get("awaiting") in new_slots)
        smalltalk = decision.intent in _skills() and _skills()[decision.intent].spec.smalltalk
        # Carry-over: the message only brings details for the task in progress, or for the last
        # answer ("那后天呢").
        if decision.outcome != "accept" or decision.intent == "fallback" or (answers and smalltalk):
            target = (task or {}).get("intent") or state.get("last")
            if target and target in _skills() and task and task.get("awaiting") and not new_slots:
                skill = _skills()[target]
                reply = _slot_prompt(skill, task["awaiting"])
                reply.text = say("没听明白，%(question)s", question=sentence(reply.text))
                return Result(target, decision.confidence, dict(task.get("slots") or {}), reply, "dialogue",
                              normalized, state)
            if target and target in _skills() and new_slots:
                base = _with_details(dict((task or {}).get("slots") or state.get("last_slots") or {}), new_slots)
                return self._start(target, base, text, state, user, channel, session_id,
                                   max(decision.confidence, 0.5), "dialogue", normalized, fresh=False)

        if decision.outcome == "clarify":
            state["offered"] = [name for name, _ in decision.choices][:4]
            state["offered_slots"] = new_slots
            state["offered_text"] = text
            skills = _skills()
            quick = [QuickReply(skills[n].title, f"{INTENT_PAYLOAD}{n}") for n in state["offered"] if n in skills]
            reply = Reply(gettext_noop("我不太确定您的意思，您是想："), quick_replies=quick, done=False)
            top = skills.get(decision.intent)
            if top is not None and top.preview:
                # A read-only answer (catalogue items) shown with the question: often it is the answer.
                preview = top.handler(Turn(user, dict(new_slots), text, channel, session_id, decision=decision))
                reply.cards = preview.cards
            return Result(decision.intent, decision.confidence, new_slots, reply, "clarify", normalized, state)

        if decision.outcome == "fallback":
            skills = _skills()
            reply = skills["fallback"].handler(Turn(user, new_slots, text, channel, session_id, decision=decision))
            close = [QuickReply(skills[n].title, f"{INTENT_PAYLOAD}{n}") for n, _ in decision.choices if n in skills]
            if close:
                reply.text = (gettext_noop("抱歉，我没太明白。")
                              + gettext_noop("我可以帮您查办事指南和办件进度、约运动场地、找家庭医生、看健康档案。")
                              + gettext_noop("您是不是想问下面这些？") + gettext_noop("也可以换个说法再问我。"))
                reply.quick_replies = [*close, QuickReply(gettext_noop("转人工"), "转人工")]
                state["offered"] = [n for n, _ in decision.choices if n in skills]
                state["offered_slots"] = new_slots
                state["offered_text"] = text
            return Result("fallback", decision.confidence, new_slots, reply, "fallback", normalized, state)

        # Accepted: same task → merge; new task → start from memory.
        slots = dict(new_slots)
        if task and task.get("intent") == decision.intent:
            slots = _with_details(task.get("slots", {}), new_slots)
            fresh = False
        else:
            fresh = True
        return self._start(decision.intent, slots, text, state, user, channel, session_id, decision.confidence,
                           "accept", normalized, fresh=fresh)

    # --- running a skill ---------------------------------------------------------------------
    def _start(self, intent: str, slots: dict, text: str, state: dict, user: Any, channel: str,
               session_id: str, confidence: float, outcome: str, normalized: str, *, fresh: bool = True) -> Result:
        skill = _skills()[intent]
        if fresh:
            memory = state.get("memory") or {}
            kept = {*skill.required, *skill.remembers, *(("time_to",) if "time_from" in skill.required else ())}
            slots = {**{k: v for k, v in memory.items() if k in kept}, **slots}
        state["task"] = {"intent": intent, "slots": slots, "awaiting": None}
        if (state.get("choices") or {}).get("intent") != intent:
            state.pop("choices", None)
        if skill.personal and not getattr(user, "is_authenticated", False):
            return Result(intent, confidence, slots, login_reply(skill), outcome, normalized, state, attach_login=True)
        missing = _missing(skill, slots)
        if missing:
            state["task"]["awaiting"] = missing
            return Result(intent, confidence, slots, _slot_prompt(skill, missing), outcome, normalized, state)
        return self._run(skill, slots, text, state, user, channel, session_id, confirmed=False, outcome=outcome,
                         normalized=normalized, confidence=confidence)

    def _run(self, skill: Skill, slots: dict, text: str, state: dict, user: Any, channel: str, session_id: str,
             *, confirmed: bool, outcome: str, normalized: str, confidence: float = 1.0) -> Result:
        if skill.personal and not getattr(user, "is_authenticated", False):
            state["task"] = {"intent": skill.name, "slots": slots, "awaiting": None}
            return Result(skill.name, confidence, slots, login_reply(skill), outcome, normalized, state,
                          attach_login=True)
        turn = Turn(user=user, slots=dict(slots), text=text, channel=channel, session_id=session_id,
                    confirmed=confirmed and skill.writes, state=state)
        reply = skill.handler(turn)
        slots = turn.slots
        asks = reply.asks_confirmation
        if asks is None:
            asks = not confirmed and not reply.done
        if skill.writes and asks:
            state["pending"] = {"intent": skill.name, "slots": slots}
        else:
            state.pop("pending", None)
        if reply.choices:
            state["choices"] = {"intent": skill.name, "items": [c.as_dict() for c in reply.choices]}
            state.pop("offered", None)
        elif reply.done or not (skill.writes and asks):
            state.pop("choices", None)  # only a read-back asking for a yes keeps them (还是3号场吧)
        if reply.done:
            state.pop("task", None)
        elif state.get("task"):
            state["task"]["slots"] = slots  # what the skill settled (a pick, a booking to cancel)
            if reply.awaits:
                state["task"]["awaiting"] = reply.awaits
        state["last"] = skill.name
        state["last_slots"] = slots
        return Result(skill.name, confidence, slots, reply, outcome, normalized, state)


def _starters() -> list[QuickReply]:
    from portal.chat.skills import STARTERS

    return list(STARTERS)
