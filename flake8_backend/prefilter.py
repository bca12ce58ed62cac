"""The text prefilter: a check is not dispatched in a module where it cannot fire.

Sound by construction: a check's words are never written by hand next to it but
derived from what it matches (`registry.Callees.words`: the callee names it
accepts, which are in the source at the call or at the import or assignment
they alias, or the roots of the qualified names it resolves, which are in the
import statement) or declared for the identifiers it matches (`registry.Needs`).
The source is searched as Python reads identifiers: NFKC-normalised when it is
not ASCII (`ｅｘｅｃｕｔｅ` is the name `execute`), and lower-cased for words that
are matched without case. tests/test_shortcuts.py compares findings with the
prefilter on and off over every fixture, a corpus sample and generated modules.
"""

from __future__ import annotations

import unicodedata

from flake8_backend.registry import Needs


class Prefilter:
    """The words of every enabled check of one settings object, searched once per file."""

    __slots__ = ("_needs", "_inside")

    def __init__(self) -> None:
        self._needs: list[tuple[tuple[str, ...], bool]] = []
        self._inside: dict[tuple[str, bool], tuple[str, ...]] = {}

    def add(self, needs: Needs) -> int:
        """Register one check's words; the index of its answer in `scan`'s result."""
        words = tuple(w.lower() for w in needs.words) if needs.ignore_case else needs.words
        self._needs.append((words, needs.ignore_case))
        self._inside.clear()
        return len(self._needs) - 1

    def scan(self, source: str) -> list[bool]:
        """For each registered check, whether one of its words occurs in `source`."""
        if not self._inside and self._needs:
            self._inside = self._containment()
        text = source if source.isascii() else unicodedata.normalize("NFKC", source)
        lower: str | None = None
        present: dict[tuple[str, bool], bool] = {}
        answers = []
        for words, ignore_case in self._needs:
            if ignore_case and lower is None:
                lower = text.lower()
            haystack = lower if ignore_case else text
            found = False
            for word in words:
                if self._occurs((word, ignore_case), haystack, present):
                    found = True
                    break
            answers.append(found)
        return answers

    def _containment(self) -> dict[tuple[str, bool], tuple[str, ...]]:
        """word -> the shorter words of the same case mode inside it: when one of those is
        absent from a module, so is the word (`fetch` decides `fetchall`), without a search."""
        keys = {(word, mode) for words, mode in self._needs for word in words}
        return {(word, mode): tuple(sorted(other for other, other_mode in keys
                                           if other_mode == mode and other != word
                                           and other in word))
                for word, mode in keys}

    def _occurs(self, key: tuple[str, bool], text: str,
                present: dict[tuple[str, bool], bool]) -> bool:
        found = present.get(key)
        if found is not None:
            return found
        for shorter in self._inside[key]:
            if not self._occurs((shorter, key[1]), text, present):
                present[key] = False
                return False
        found = present[key] = key[0] in text
        return found
