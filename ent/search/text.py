"""Text as the index sees it: folded words, parsed queries and highlighted extracts.

Both database backends index the same folded words (lower case, accents and ligatures
removed, one space between words), so "Éloïse" and "eloise" are one word everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A word is a run of letters and digits: punctuation, quotes and operators never reach the
# full-text engines, so no query can be malformed.
WORD = re.compile(r"[^\W_]+")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200
SNIPPET_LENGTH = 200


def clean_input(text: str, length: int = MAX_QUERY_LENGTH) -> str:
    """Return what a person typed without control characters, cut to `length`."""
    return "".join(char for char in text[: length * 2] if char.isprintable())[:length]


def fold(text: str) -> str:
    """Return `text` in lower case without accents or ligatures."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(text: str) -> list[str]:
    """Return the folded words of `text`."""
    return WORD.findall(fold(text))


def index_terms(*texts: str) -> str:
    """Return the folded words of `texts`, separated by single spaces, as the index stores them."""
    return " ".join(word for text in texts for word in words(text))


@dataclass(frozen=True)
class Query:
    """A parsed query: phrases of words, each phrase's last word matched as a prefix."""

    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for phrase in self.phrases for word in phrase)


def parse_query(text: str) -> Query:
    """Read what a person typed: words, and "quoted phrases"; everything else is ignored."""
    phrases: list[tuple[str, ...]] = []
    for position, part in enumerate(text[:MAX_QUERY_LENGTH].split('"')):
        found = tuple(words(part))
        if not found:
            continue
        # Odd parts sit between quotes: a phrase. Even parts are loose words.
        phrases.extend([found] if position % 2 else [(word,) for word in found])
    return Query(tuple(dict.fromkeys(phrases))[:MAX_TERMS])


@dataclass(frozen=True)
class Segment:
    """A piece of displayed text, marked when it matches the query."""

    text: str
    is_match: bool = False


def _folded_with_origins(text: str) -> tuple[str, list[int]]:
    """Fold `text` and give, for each folded character, the index of its original one."""
    folded: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        for piece in fold(char):
            folded.append(piece)
            origins.append(index)
    return "".join(folded), origins


def _spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Return the spans of `text` (original indexes) of words that start like a query word."""
    if not query:
        return []
    folded, origins = _folded_with_origins(text)
    alternatives = "|".join(re.escape(word) for word in sorted(set(query.words), key=len)[::-1])
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")
    return [
        (origins[match.start()], origins[match.end() - 1] + 1) for match in pattern.finditer(folded)
    ]


def highlight(text: str, query: Query) -> tuple[Segment, ...]:
    """Cut `text` into segments, marking the words the query matched."""
    segments: list[Segment] = []
    cursor = 0
    for start, end in _spans(text, query):
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], is_match=True))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return tuple(segments)


def snippet(text: str, query: Query, *, length: int = SNIPPET_LENGTH) -> tuple[Segment, ...]:
    """Return an extract of `text` around the first match, highlighted."""
    text = " ".join(text.split())
    spans = _spans(text, query)
    start = max(0, spans[0][0] - length // 4) if spans else 0
    if start:
        # Start on a word, not in the middle of one.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    extract = ("… " if start else "") + text[start:end] + (" …" if end < len(text) else "")
    return highlight(extract, query)
