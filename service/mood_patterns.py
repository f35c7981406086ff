"""One compiled regex for many patterns, as fast as Python's engine allows.

The mood scorer searches every reply for a few hundred crisis and lexicon phrases. Tried
one by one at every word start they would be most of its cost; combined here into one
pattern whose alternatives are nested under their first letters, they take a few dozen
steps per word, and an empty group after each alternative says which one matched.
"""

from __future__ import annotations

import re


def split(pattern: str) -> list[str]:
    """A pattern's top-level alternatives, in order."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a "|" or ")" inside a class is a plain character
            i = pattern.index("]", i + 2 if pattern[i + 1:i + 2] in ("]", "^") else i + 1)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def alternatives(pattern: str) -> list[str]:
    """Split a pattern at its top-level "|", opening a leading "(?:a|b) ..." into "a ...", "b ...".

    Python's regex engine rejects an alternative that starts with a plain letter in one
    step, but must enter one that starts with a group: flat, letter-first alternatives
    make big patterns two to three times faster.
    """
    parts = split(pattern)
    opened = [re.fullmatch(r"\(\?:([a-z |]+)\)([^?*+{].*)", p) for p in parts]
    flat = [w + m.group(2) for m in opened if m for w in m.group(1).split("|")] + [
        p for p, m in zip(parts, opened) if not m]
    return [alt for p in flat for alt in _opened(p)]


def _opened(alt: str) -> list[str]:
    """One alternative as several that start with a literal where the engine allows it:
    "(?:a|b)c" -> "ac", "bc" and "(?:a)?b" -> "ab", "b", in the order the engine tries them,
    so the combined pattern matches exactly what the written one does."""
    if not alt.startswith("(?:"):
        return [alt]
    depth, end = 0, 0
    for end, c in enumerate(alt):  # no escapes or classes inside the groups we open
        depth += (c == "(") - (c == ")")
        if depth == 0:
            break
    inner, rest = alt[3:end], alt[end + 1:]
    if "\\" in inner or "[" in inner or rest[:1] in ("*", "+", "{") or rest[:2] in ("??", "?+"):
        return [alt]
    if rest[:1] == "?":
        return [x for a in split(inner) for x in _opened(a + rest[1:])] + _opened(rest[1:])
    return [x for a in split(inner) for x in _opened(a + rest)]


def nestable(alt: str) -> bool:
    """Whether an alternative starts with a literal character it can be nested under."""
    return len(alt) > 1 and (alt[0].isalnum() or alt[0] == " ") and alt[1] not in "?*+{"


def _dispatch(alts: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """Alternatives that start with the same literal character nested under it.

    The engine walks a group's alternatives one by one; with a few hundred of them at each
    word start that walk is most of the cost. Nested under their first character, it
    takes a few dozen steps. Only neighbours are grouped and their order is kept, so the
    first alternative that matches is still the one the written order names.
    """
    out: list[str] = []
    tags: list[str] = []
    bucket: dict[str, list[tuple[str, str]]] = {}

    def flush() -> None:
        for first, rests in bucket.items():
            body, inner_tags = _dispatch(rests) if len(rests) > 1 else rests[0]
            out.append(first + (f"(?:{body})" if len(rests) > 1 else body))
            tags.extend(inner_tags if len(rests) > 1 else [rests[0][1]])
        bucket.clear()

    for alt, tag in alts:
        if nestable(alt):
            bucket.setdefault(alt[0], []).append((alt[1:], tag))
        else:
            flush()
            out.append(alt)
            tags.append(tag)
    flush()
    return "|".join(out), tags


def tagged(pairs: list[tuple[str, str]], prefix: str = "", suffix: str = "") -> tuple[re.Pattern[str], list[str]]:
    """One regex for many (pattern, tag) pairs; an empty group after each alternative
    tells which tag matched (match.lastindex), without slowing the alternative's start."""
    alts = []
    for pattern, tag in pairs:
        for alt in alternatives(pattern):
            assert "(?P" not in alt and not re.search(r"(?<!\\)\((?!\?)", alt), f"capturing group in {alt!r}"
            alts.append((f"{alt}()", tag))
    body, tags = _dispatch(alts)
    return re.compile(f"{prefix}(?:{body}){suffix}"), tags
