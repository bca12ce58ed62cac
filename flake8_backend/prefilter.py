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

    def __init__(self) -> None:
        self._index: dict[tuple[tuple[str, ...], bool], int] = {}
        self._needs: list[tuple[tuple[str, ...], bool]] = []
        self._inside: dict[str, tuple[str, ...]] | None = None

    def add(self, needs: Needs) -> int:
        """Register one check's words: the index of its answer in a `Scan`."""
        words = {w.lower() for w in needs.words} if needs.ignore_case else set(needs.words)
        key = (tuple(sorted(words, key=lambda w: (len(w), w))), needs.ignore_case)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._needs)
            self._needs.append(key)
            self._inside = None
        return index

    def scan(self, source: str) -> Scan:
        """The answers for `source`, each searched for when first asked."""
        inside = self._inside
        if inside is None:
            inside = self._inside = self._containment()
        return Scan(self._needs, inside, source)

    def likelihood(self, index: int) -> int:
        """A sort key putting the words most likely present first (the shortest)."""
        return min(len(word) for word in self._needs[index][0])

    def _containment(self) -> dict[str, tuple[str, ...]]:
        """word -> the shorter words inside it (absent shorter word: absent longer word)."""
        words = {word for needed, _ in self._needs for word in needed}
        return {word: tuple(other for other in words if other != word and other in word)
                for word in words}


class Scan:
    """One module's answers: whether one of a check's words occurs in its text.

    An absent word costs a search of the whole text, so answers are searched for only
    when asked: the engine asks for a check when it first meets a node the check is on
    (a check on a node type the module lacks costs nothing), and up front only where an
    answer can spare the walk of every expression."""

    __slots__ = ("_needs", "_inside", "_text", "_lower", "_present", "answers")

    def __init__(self, needs: list[tuple[tuple[str, ...], bool]],
                 inside: dict[str, tuple[str, ...]], source: str) -> None:
        self._needs = needs
        self._inside = inside
        # most non-ASCII modules are already NFKC (accented letters in comments and strings):
        # the check is a few times cheaper than normalising a large module
        self._text = source if source.isascii() or unicodedata.is_normalized("NFKC", source) \
            else unicodedata.normalize("NFKC", source)
        self._lower: str | None = None
        self._present: dict[str, bool] = {}  # exact words, and "\0" + word for lowered words
        self.answers: list[bool | None] = [None] * len(needs)  # None: not searched yet

    def answer(self, index: int) -> bool:
        """Whether one of the words registered at `index` occurs in the module's text."""
        found = self.answers[index]
        if found is not None:
            return found
        words, ignore_case = self._needs[index]
        if ignore_case:
            if self._lower is None:
                self._lower = self._text.lower()
            haystack, prefix = self._lower, "\0"
        else:
            haystack, prefix = self._text, ""
        present = self._present
        found = False
        for word in words:
            key = prefix + word
            hit = present.get(key)
            if hit is None:
                hit = not any(present.get(prefix + shorter) is False
                              for shorter in self._inside[word]) and word in haystack
                present[key] = hit
            if hit:
                found = True
                break
        self.answers[index] = found
        return found
