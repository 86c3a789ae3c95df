"""Merging a wizard's appeal draft into the 问题描述 the operator already wrote, without losing a word of it.

应用结果 never overwrites silently: it proposes the current text, the draft and the difference, sentence by
sentence (Chinese text has no lines worth diffing, and characters are too fine to read), and applies what
the operator chose: replace, append the draft, or keep what is there.
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass

from desk.labels import MERGE_CHOICE_LABELS
from desk.playbooks.walker import unfilled


class MergeChoice(enum.StrEnum):
    """What 应用结果 does with the 问题描述."""

    REPLACE = "replace"  # the draft takes its place
    APPEND = "append"  # the draft follows what the operator wrote
    KEEP = "keep"  # the 问题描述 stays as it is

    @property
    def words(self) -> str:
        return MERGE_CHOICE_LABELS[self.value]


# A sentence ends after 。！？；!?; or a line break (which stays with it).
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+|\n|$)")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s]


@dataclass(frozen=True, slots=True)
class DiffPart:
    """A run of sentences: in both texts ("same"), only in the current one ("removed"), only in the draft
    ("added")."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class DescriptionMerge:
    """The 问题描述 as it is, the draft, how they differ, and what the draft still misses."""

    current: str
    draft: str
    diff: tuple[DiffPart, ...]
    missing: tuple[str, ...]  # variables the draft still shows as 【缺：…】

    @property
    def same(self) -> bool:
        return self.current.strip() == self.draft.strip()

    @property
    def default(self) -> MergeChoice:
        """Replace an empty 问题描述; otherwise keep it until the operator chooses."""
        return MergeChoice.REPLACE if not self.current.strip() and not self.missing else MergeChoice.KEEP

    def result(self, choice: MergeChoice | str) -> str:
        return merged(self.current, self.draft, MergeChoice(choice))


def propose(current: str, draft: str) -> DescriptionMerge:
    a, b = sentences(current), sentences(draft)
    parts: list[DiffPart] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("removed", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("added", "".join(b[j1:j2])))
    return DescriptionMerge(current, draft, tuple(parts), unfilled(draft))


def merged(current: str, draft: str, choice: MergeChoice) -> str:
    """The 问题描述 after the choice; appending a draft the text already holds changes nothing."""
    if choice == MergeChoice.KEEP:
        return current
    if choice == MergeChoice.REPLACE or not current.strip():
        return draft.strip()
    if draft.strip() in current:
        return current
    return f"{current.rstrip()}\n\n{draft.strip()}"
