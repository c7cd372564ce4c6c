"""The skill registry: each app declares its chat intents in ``<app>/skills.py``.

A skill is one decorated function::

    @skill("venue.book", title="预约场地", examples=[...], keywords={...},
           required=("sport", "date"), prompts={"date": "哪天？"}, personal=True, writes=True)
    def venue_book(turn: Turn) -> Reply: ...

``discover()`` imports ``skills`` of every installed app once. This module imports nothing from
Django at import time, so the NLU evaluation and benchmarks can load the skill declarations.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.nlu.intents import IntentSpec


@dataclass
class Card:
    type: str
    id: Any = None
    title: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id, "title": self.title, **self.extra}


@dataclass
class QuickReply:
    title: str
    payload: str

    def as_dict(self) -> dict:
        return {"title": self.title, "payload": self.payload}


@dataclass
class Choice:
    """One of the things a reply offers to pick (a slot, a booking): the resident picks it by
    tapping its card or quick reply (payload ``#pick:<id>``), by its position (第一个, 2), or by
    naming what sets it apart (``keys``: 2号场, 张江; ``time``: "14:00" matches 14点/下午两点).
    The skill then runs again with the slot ``choice`` = ``id``."""

    id: str
    title: str
    keys: tuple[str, ...] = ()
    time: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "keys": list(self.keys), "time": self.time}


@dataclass
class Reply:
    text: str
    cards: list[Card] = field(default_factory=list)
    quick_replies: list[QuickReply] = field(default_factory=list)
    # What the engine should remember after this reply:
    done: bool = True  # the task is finished (slots of this intent are forgotten … except memory)
    # For a skill with writes=True: does this reply ask for a yes? None: the engine's default (every
    # unconfirmed, unfinished reply does); False: not yet (it offers choices first); True: yes, even
    # after a confirmed run (a retry after "busy").
    asks_confirmation: bool | None = None
    choices: list[Choice] = field(default_factory=list)  # what the resident can pick next (engine)
    # The slot this reply asks for (a question of the skill's own: "早上7点还是晚上7点？" → time_from):
    # the answer (晚上7点, 下午) continues the task as the answer to the engine's own prompt does, and
    # is not read as small talk (晚上好).
    awaits: str | None = None

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "cards": [c.as_dict() for c in self.cards],
            "quick_replies": [q.as_dict() for q in self.quick_replies],
        }


@dataclass
class Turn:
    """What a handler sees: the resident (or None), the merged slots, the text and the channel."""

    user: Any
    slots: dict[str, str]
    text: str
    channel: str
    session_id: str
    confirmed: bool = False  # True when the resident has just confirmed this write
    decision: Any = None
    state: dict = field(default_factory=dict)


Handler = Callable[[Turn], Reply]


@dataclass
class Skill:
    spec: IntentSpec
    handler: Handler
    personal: bool = False  # needs a signed-in resident
    required: tuple[str, ...] = ()
    prompts: Mapping[str, str] = field(default_factory=dict)
    writes: bool = False  # changes something: the engine asks for confirmation first
    preview: bool = False  # read-only answer worth showing beside a clarification question
    # After this skill answered: does a message continue that answer rather than start anew
    # ("需要带什么" after a catalogue search)? Called with the text and the session's state.
    follow_up: Callable[[str, dict], bool] | None = None
    # A message this skill knows by its shape, whatever its words (a receipt number pasted alone):
    # called with the text, before the classifier, which has no words to go on.
    recognises: Callable[[str], bool] | None = None
    # A write the resident was asked to confirm outside the chat (a notification: "a place on the
    # waiting list is held for you, confirm by 18:10"), which a bare yes with nothing pending in the
    # chat answers: called with the resident and the session's state, it returns the slots to run
    # the skill with, confirmed, or None.
    standing: Callable[[Any, dict], dict | None] | None = None
    app: str = ""
    # Slots a new task of this skill takes from the conversation's memory besides its required
    # ones ("羽毛球" said earlier is still the sport). A skill that filters by them on its own
    # (which booking to cancel) takes none: a sport from a fitness question must not narrow it.
    remembers: tuple[str, ...] = ("sport", "district")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title or self.spec.name


_registry: dict[str, Skill] = {}
_lock = threading.Lock()
_discovered = False


def skill(name: str, *, title: str, examples: Iterable[str] = (), keywords: Mapping[str, float] | None = None,
          negative: Mapping[str, float] | None = None, personal: bool = False, required: Iterable[str] = (),
          prompts: Mapping[str, str] | None = None, writes: bool = False, preview: bool = False,
          smalltalk: bool = False, follow_up: Callable[[str, dict], bool] | None = None,
          recognises: Callable[[str], bool] | None = None,
          standing: Callable[[Any, dict], dict | None] | None = None,
          remembers: Iterable[str] = ("sport", "district")) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        spec = IntentSpec(name=name, title=title, examples=tuple(examples), keywords=dict(keywords or {}),
                          negative=dict(negative or {}), smalltalk=smalltalk)
        register(Skill(spec, handler, personal=personal, required=tuple(required), prompts=dict(prompts or {}),
                       writes=writes, preview=preview and not writes and not personal, follow_up=follow_up,
                       recognises=recognises, standing=standing, app=handler.__module__.rsplit(".", 1)[0],
                       remembers=tuple(remembers)))
        return handler

    return decorator


def register(entry: Skill) -> None:
    with _lock:
        _registry[entry.name] = entry


def discover(modules: Iterable[str] | None = None) -> dict[str, Skill]:
    """Import ``<app>.skills`` for every installed app (or the given modules) once."""
    global _discovered
    if modules is None:
        if _discovered:
            return dict(_registry)
        from django.apps import apps

        modules = [f"{config.name}.skills" for config in apps.get_app_configs()]
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _discovered = True
    return dict(_registry)


def skills() -> dict[str, Skill]:
    return discover()


def specs() -> list[IntentSpec]:
    return [s.spec for s in discover().values()]
