"""A reply's sentences in the resident's language (docs/chat.md, "Reply language").

The skills write Chinese. A sentence without details is marked with ``gettext_noop`` and found in
the catalogue as it stands. A sentence with details in it (a venue, a day, a count) is written with
``say``: its catalogue form with named placeholders and the values apart, so the translation step
looks the sentence up *before* the values go in, then formats::

    say("为您预约：%(slot)s，", slot=SlotLabel(...)) + say("确认吗？")

``say`` returns a :class:`Text`: a ``str`` whose value is the Chinese reply, exactly what the
skill wrote before (every Chinese path reads it as a string), which also remembers its parts, so
``in_language`` can say it again in English. ``+`` with a plain string keeps the parts (the plain
string is translated sentence by sentence, as before).

A value is a plain string (a proper noun from the data: venue, court, town, address — kept as it
is in every language), a number, a lazy gettext string (an action's refusal), another ``Text``, or
an object with ``render(language) -> str | None`` (a day, a time range, a sport). Anything without a
translation makes the whole text ``None``: a reply is never half one language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from portal.nlu.language import CHINESE, HAN

_SENTENCE = re.compile(r"[^。？！\n]*[。？！]?")
_NO_SPACE_BEFORE = (*",.;:?!)]%", "\n", " ")


def sentences_in(language: str, text: str) -> str | None:
    """Plain ``text`` (the skills' Chinese) in ``language``, sentence by sentence from the gettext
    catalogue; None when any sentence has no translation."""
    from django.utils import translation

    lines = []
    with translation.override(language):
        for line in text.split("\n"):
            pieces = []
            for piece in (p.strip() for p in _SENTENCE.findall(line)):
                if not piece:
                    continue
                translated = translation.gettext(piece)
                if translated == piece and HAN.search(piece):
                    return None
                pieces.append(translated)
            lines.append(" ".join(pieces))
    return "\n".join(lines)


def render(value: Any, language: str) -> str | None:
    """One value of a sentence (or one part of a text) in ``language``; None when it cannot be said."""
    if isinstance(value, Text):
        return value.in_language(language)
    if hasattr(value, "render"):
        return value.render(language)
    if isinstance(value, str):  # a proper noun from the data: the same in every language
        return value
    if isinstance(value, int | float):
        return str(value)
    if language == CHINESE:  # a lazy gettext string: rendered in the skills' language …
        return str(value)
    from django.utils import translation

    with translation.override(language):  # … or in the reply's
        return str(value)


class Say:
    """One catalogue sentence (``msgid`` with ``%(name)s`` placeholders) and its values."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, values: dict[str, Any]):
        self.msgid, self.values = msgid, values

    def render(self, language: str) -> str | None:
        values = {}
        for name, value in self.values.items():
            rendered = str(value) if language == CHINESE and isinstance(value, str) else render(value, language)
            if rendered is None:
                return None
            values[name] = rendered
        if language == CHINESE:
            return self.msgid % values if values else self.msgid
        from django.utils import translation

        with translation.override(language):
            template = translation.gettext(self.msgid)
        if template == self.msgid and HAN.search(self.msgid):
            return None
        return template % values if values else template


class Text(str):
    """The Chinese text of a reply (the ``str`` itself) that can say itself in another language."""

    parts: tuple

    def __new__(cls, parts: Iterable[Any]):
        parts = tuple(p for p in _flatten(parts) if p != "")
        self = super().__new__(cls, "".join(_chinese(p) for p in parts))
        self.parts = parts
        return self

    def __add__(self, other):
        if isinstance(other, str):
            return Text((self, other))
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return Text((other, self))
        return NotImplemented

    def __reduce__(self):  # pickled (a cache, a deep copy): the Chinese string it is
        return str, (str(self),)

    def in_language(self, language: str) -> str | None:
        if language == CHINESE:
            return str(self)
        out = ""
        for part in self.parts:
            said = sentences_in(language, part) if isinstance(part, str) else render(part, language)
            if said is None:
                return None
            if not said.strip():
                continue
            if out and not out.endswith(("\n", " ")) and not said.startswith(_NO_SPACE_BEFORE):
                out += " "
            out += said
        return out


def _flatten(parts: Iterable[Any]):
    for part in parts:
        if isinstance(part, Text):
            yield from part.parts
        elif isinstance(part, str):
            yield str(part)
        else:
            yield part


def _chinese(part: Any) -> str:
    if isinstance(part, str):
        return part
    rendered = part.render(CHINESE) if hasattr(part, "render") else str(part)
    return rendered if rendered is not None else ""


# --- values that read differently in each language -------------------------------------------

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_RELATIVE_EN = {"今天": "today", "明天": "tomorrow", "后天": "the day after tomorrow"}


def _day_en(day) -> str:
    return f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]}"


class Day:
    """A day as a resident reads it back: 明天（11月26日 周四） / tomorrow (Thu 26 Nov)."""

    def __init__(self, day, *, relative: str = "", short: bool = False, year: bool = False):
        # short: 11月26日, no weekday; year: 2027年1月5日 / Tue 5 Jan 2027
        self.day, self.relative, self.short, self.year = day, relative, short, year

    def render(self, language: str) -> str:
        d = self.day
        if language == CHINESE:
            label = (f"{d.year}年" if self.year else "") + f"{d.month}月{d.day}日" + (
                "" if self.short else f" 周{_WEEKDAYS_ZH[d.weekday()]}")
            return f"{self.relative}（{label}）" if self.relative else label
        relative = _RELATIVE_EN.get(self.relative)
        label = _day_en(d) + (f" {d.year}" if self.year else "")
        return f"{relative} ({label})" if relative else label


class Hours:
    """A time of day or a range of them: 19:00, 19:00-21:00 / 19:00–21:00."""

    def __init__(self, start: str, end: str | None = None):
        self.start, self.end = start, end

    def render(self, language: str) -> str:
        if not self.end:
            return self.start
        return f"{self.start}{'-' if language == CHINESE else '–'}{self.end}"


class When:
    """A slot's time as the cards write it: 11月26日 14:00-15:00 / Thu 26 Nov, 14:00–15:00."""

    def __init__(self, start, end):
        self.start, self.end = start, end  # local datetimes

    def render(self, language: str) -> str:
        s, e = self.start, self.end
        if language == CHINESE:
            return f"{s:%m月%d日} {s:%H:%M}-{e:%H:%M}"
        return f"{_day_en(s)}, {s:%H:%M}–{e:%H:%M}"


class Moment:
    """A day and a clock time: 11月26日 12:00 / Thu 26 Nov, 12:00."""

    def __init__(self, moment):
        self.moment = moment  # a local datetime

    def render(self, language: str) -> str:
        m = self.moment
        return f"{m:%m月%d日 %H:%M}" if language == CHINESE else f"{_day_en(m)}, {m:%H:%M}"


class Word:
    """A word of the catalogue said inside a sentence (a sport: 羽毛球 / badminton): the catalogue's
    English in lower case; None without one."""

    def __init__(self, word: str):
        self.word = word

    def render(self, language: str) -> str | None:
        if language == CHINESE:
            return self.word
        from django.utils import translation

        with translation.override(language):
            translated = translation.gettext(self.word)
        if translated == self.word and HAN.search(self.word):
            return None
        return translated.lower()


class Listed:
    """Values in a row, each said in the reply's language, joined the way the language writes a list:
    居民身份证、户口簿 / 居民身份证; 户口簿 (``zh`` and ``en`` are the separators)."""

    def __init__(self, values: Iterable[Any], zh: str = "、", en: str = "; "):
        self.values, self.zh, self.en = list(values), zh, en

    @classmethod
    def lines(cls, values: Iterable[Any]) -> Listed:
        """One value per line, in either language."""
        return cls(values, zh="\n", en="\n")

    def render(self, language: str) -> str | None:
        said = [render(value, language) for value in self.values]
        if any(s is None for s in said):
            return None
        return (self.zh if language == CHINESE else self.en).join(said)


def say(msgid: str, /, **values: Any) -> Text:
    """A sentence of the catalogue with its values: ``say("您有 %(n)s 个待使用的预约。", n=2)``."""
    return Text((Say(msgid, values),))


def text(*parts: Any) -> Text:
    """Parts (plain sentences, ``say(...)``, values) joined into one text."""
    return Text(parts)


def in_language(language: str, value: str) -> str | None:
    """A reply's text or a quick reply's title in ``language``: a ``Text`` by its parts, a plain
    string sentence by sentence; None when anything has no translation."""
    if language == CHINESE:
        return str(value)
    if isinstance(value, Text):
        return value.in_language(language)
    return sentences_in(language, value)


__all__ = ["Day", "Hours", "Listed", "Moment", "Say", "Text", "When", "Word", "in_language", "render", "say",
           "sentences_in", "text"]
