"""Every sentence a resident can be shown has its English translation (Accept-Language: en)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unescaped(text: str) -> str:
    """A PO string's escapes read: \\" is a quote, \\n a new line (a sentence over two lines)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _entries(text: str) -> list[tuple[str, str, bool]]:
    entries = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        join = lambda s: _unescaped("".join(re.findall(r'"(.*)"', s)))  # noqa: E731
        entries.append((join(msgid.group(1)), join(msgstr.group(1)), "#, fuzzy" in block))
    return entries


def test_every_message_in_the_catalogue_is_translated_and_none_is_fuzzy():
    entries = [e for e in _entries(PO.read_text()) if e[0]]
    assert len(entries) > 50
    untranslated = [m for m, t, _ in entries if not t]
    fuzzy = [m for m, _, f in entries if f]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


GETTEXT_NAMES = {"_", "_g", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "pgettext", "pgettext_lazy",
                 "say"}  # say: portal/chat/sentences.py, a sentence with details
SOURCE_DIRS = ["portal", "services", "booking", "health"]


def _marked_strings() -> dict[str, str]:
    """Literal first arguments of gettext calls in the product's code → where they are."""
    import ast

    found = {}
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                is_gettext = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                    node.func.id in GETTEXT_NAMES)
                if is_gettext and node.args and isinstance(node.args[0], ast.Constant) and isinstance(
                        node.args[0].value, str):
                    found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_sentence_marked_in_the_code_has_an_english_translation():
    translated = {m for m, t, fuzzy in _entries(PO.read_text()) if m and t and not fuzzy}
    marked = _marked_strings()
    assert len(marked) > 50
    missing = {text: where for text, where in marked.items() if text not in translated}
    assert not missing, f"run makemessages -l en and translate: {list(missing.items())[:5]}"
