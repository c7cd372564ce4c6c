"""Slot extraction: sport, date, time range, district — from a canonicalised message."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from portal.nlu.data import read_tsv
from portal.nlu.lexicon import Canonical
from portal.nlu.normalize import normalize
from portal.nlu.timeparse import parse_when


@cache
def sports() -> tuple[str, ...]:
    """Canonical sport names, longest first (乒乓球 before 球)."""
    return tuple(sorted((row[0] for row in read_tsv("sports.tsv")), key=len, reverse=True))


@cache
def districts() -> tuple[tuple[str, str], ...]:
    pairs = []
    for row in read_tsv("districts.tsv"):
        canonical = row[0]
        pairs.append((normalize(canonical), canonical))
        if len(row) > 1:
            pairs.extend((normalize(v), canonical) for v in row[1].split("|") if v.strip())
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def find_sport(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for sport in sports():
        at = text.find(sport)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, sport)
    return best[1] if best else None


def find_district(text: str) -> str | None:
    for surface, canonical in districts():
        if surface and surface in text:
            return canonical
    return None


def extract_slots(message: Canonical, now: datetime | None = None) -> dict[str, str]:
    """Slots the message states: sport, date, time_from, time_to, district (absent when unsaid)."""
    slots: dict[str, str] = {}
    sport = find_sport(message.text)
    if sport:
        slots["sport"] = sport
    slots.update(parse_when(message.text, now).as_slots())
    district = find_district(message.original) or find_district(message.text)
    if district:
        slots["district"] = district
    return slots
