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
    """The words of every enabled check of one settings object, searched once per file.

    Checks that declare the same words share one answer; within a check, shorter words
    (more often present) are tried first; and a word containing a shorter word already
    found absent is absent without a search (`fetch` decides `fetchall`).
    """

    __slots__ = ("_index", "_needs", "_inside")
    # A check with more words than this is always dispatched: most of its words are absent
    # from most files, so deciding would cost a full-text search per absent word, while its
    # call gate already limits it to the callee names it accepts, at one lookup per call.
    MAX_WORDS = 4

    def __init__(self) -> None:
        self._index: dict[tuple[tuple[str, ...], bool], int] = {}
        self._needs: list[tuple[tuple[str, ...], bool]] = []
        self._inside: dict[str, tuple[str, ...]] | None = None

    def add(self, needs: Needs) -> int | None:
        """Register one check's words: the index of its answer in `scan`'s result, or None
        when the check is to be dispatched without a search (see MAX_WORDS)."""
        if len(needs.words) > self.MAX_WORDS:
            return None
        words = {w.lower() for w in needs.words} if needs.ignore_case else set(needs.words)
        key = (tuple(sorted(words, key=lambda w: (len(w), w))), needs.ignore_case)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._needs)
            self._needs.append(key)
            self._inside = None
        return index

    def scan(self, source: str) -> list[bool]:
        """For each distinct set of words, whether one of them occurs in `source`."""
        inside = self._inside
        if inside is None:
            inside = self._inside = self._containment()
        text = source if source.isascii() else unicodedata.normalize("NFKC", source)
        lower: str | None = None
        present: dict[str, bool] = {}  # exact words, and "\0" + word for lowered words
        answers = []
        for words, ignore_case in self._needs:
            if ignore_case and lower is None:
                lower = text.lower()
            haystack = lower if ignore_case else text
            prefix = "\0" if ignore_case else ""
            found = False
            for word in words:
                key = prefix + word
                hit = present.get(key)
                if hit is None:
                    hit = not any(present.get(prefix + shorter) is False
                                  for shorter in inside[word]) and word in haystack
                    present[key] = hit
                if hit:
                    found = True
                    break
            answers.append(found)
        return answers

    def _containment(self) -> dict[str, tuple[str, ...]]:
        """word -> the shorter words inside it (absent shorter word: absent longer word)."""
        words = {word for needed, _ in self._needs for word in needed}
        return {word: tuple(other for other in words if other != word and other in word)
                for word in words}
