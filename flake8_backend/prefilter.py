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

    __slots__ = ("_index", "_needs", "_entries")

    def __init__(self) -> None:
        self._index: dict[tuple[tuple[str, ...], bool], int] = {}
        self._needs: list[tuple[tuple[str, ...], bool]] = []
        self._entries: list[tuple[tuple[tuple[str, str, tuple[str, ...]], ...], bool]] | None = None

    def add(self, needs: Needs) -> int:
        """Register one check's words: the index of its answer in a `Scan`."""
        words = {w.lower() for w in needs.words} if needs.ignore_case else set(needs.words)
        key = (tuple(sorted(words, key=lambda w: (len(w), w))), needs.ignore_case)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._needs)
            self._needs.append(key)
            self._entries = None
        return index

    def scan(self, source: str) -> Scan:
        """The answers for `source`, each searched for when first asked."""
        entries = self._entries
        if entries is None:
            entries = self._entries = self._plan()
        return Scan(entries, source)

    def likelihood(self, index: int) -> int:
        """A sort key putting the words most likely present first (the shortest)."""
        return min(len(word) for word in self._needs[index][0])

    def _plan(self) -> list[tuple[tuple[tuple[str, str, tuple[str, ...]], ...], bool]]:
        """Per index: its words as (key of the answer shared by every index, word, keys of
        the shorter words inside it: one found absent makes the word absent), and whether
        the words are matched without case (their keys start with NUL)."""
        keyed = {(word, ignore_case) for needed, ignore_case in self._needs for word in needed}

        def key(word: str, ignore_case: bool) -> str:
            return "\0" + word if ignore_case else word

        return [(tuple((key(word, ignore_case), word, tuple(
                    key(other, ignore_case) for other, other_case in keyed
                    if other_case == ignore_case and other != word and other in word))
                    for word in needed), ignore_case)
                for needed, ignore_case in self._needs]


class Scan:
    """One module's answers: whether one of a check's words occurs in its text.

    An absent word costs a search of the whole text, so answers are searched for only
    when asked: the engine asks for a check when it first meets a node the check is on
    (a check on a node type the module lacks costs nothing), and up front only where an
    answer can spare the walk of every expression."""

    __slots__ = ("_entries", "_text", "_lower", "_present", "answers")

    def __init__(self, entries: list[tuple[tuple[tuple[str, str, tuple[str, ...]], ...], bool]],
                 source: str) -> None:
        self._entries = entries
        # most non-ASCII modules are already NFKC (accented letters in comments and strings):
        # the check is a few times cheaper than normalising a large module
        self._text = source if source.isascii() or unicodedata.is_normalized("NFKC", source) \
            else unicodedata.normalize("NFKC", source)
        self._lower: str | None = None
        self._present: dict[str, bool] = {}  # by key: exact words, NUL + lowered words
        self.answers: list[bool | None] = [None] * len(entries)  # None: not searched yet

    def answer(self, index: int) -> bool:
        """Whether one of the words registered at `index` occurs in the module's text."""
        found = self.answers[index]
        if found is not None:
            return found
        entries, ignore_case = self._entries[index]
        if ignore_case:
            if self._lower is None:
                self._lower = self._text.lower()
            haystack = self._lower
        else:
            haystack = self._text
        present = self._present
        found = False
        for key, word, inside in entries:
            hit = present.get(key)
            if hit is None:
                # a shorter word inside it already found absent decides without a search
                hit = not (inside and any(present.get(shorter) is False for shorter in inside)) \
                    and word in haystack
                present[key] = hit
            if hit:
                found = True
                break
        self.answers[index] = found
        return found
