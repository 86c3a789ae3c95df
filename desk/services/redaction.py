"""Phone numbers in evidence pictures, blacked out before anything leaves for the platform.

What the desk read in a picture (the reading cache of desk/recognition) gives the boxes to black out
(desk/recognition/redaction.py); they are stored as marks on the evidence, so the viewer shows them, the
operator can remove one, and the PDF packet and the upload kit burn them into their copies (the original
file is never touched). The packet service applies them before a packet or kit for the platform is made
and asks `unmasked` for the 申诉前检查's warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desk.domain import CaseId, Changes, EvidenceData
from desk.recognition.cache import ReadingCache
from desk.recognition.engine import engine_id
from desk.recognition.redaction import proposals, unmasked, with_proposals
from desk.recognition.types import Reading
from desk.services.evidence import EvidenceService


@dataclass(frozen=True, slots=True)
class Unmasked:
    """A picture that would still show phone numbers: which one, and the numbers as the masker writes them."""

    evidence_id: int
    name: str
    kind: str
    numbers: tuple[str, ...]


class RedactionService:
    def __init__(
        self,
        evidence: EvidenceService,
        recognized_root: Path,
        *,
        engine: Callable[[], str | None] = engine_id,
    ) -> None:
        self._evidence = evidence
        self._cache = ReadingCache(recognized_root)
        self._engine = engine

    def _reading(self, ev: EvidenceData) -> Reading | None:
        engine = self._engine()
        if engine is None or not ev.media_type.startswith("image/"):
            return None
        return self._cache.get(ev.sha256, engine)

    def apply(self, case_id: CaseId) -> Changes:
        """Store the proposed black boxes of every read picture of the case, except those the operator
        removed. Pictures not read yet get none (the warning cannot name them either)."""
        changes = Changes()
        for ev in self._evidence.list(case_id):
            reading = self._reading(ev)
            if reading is None:
                continue
            marks = with_proposals(ev.marks, proposals(reading))
            if len(marks) != len(ev.marks):
                changes = changes | self._evidence.set_marks(ev.id, marks)
        return changes

    def unmasked(self, case_id: CaseId) -> tuple[Unmasked, ...]:
        """Pictures of the case that would show a phone number on the platform: found in the picture and
        not under a black box, because the operator removed the proposed one (or moved it off the number).
        A proposal not stored yet counts as covered: apply() stores it before anything is made."""
        out = []
        for ev in self._evidence.list(case_id):
            reading = self._reading(ev)
            if reading is None:
                continue
            numbers = unmasked(reading, with_proposals(ev.marks, proposals(reading)))
            if numbers:
                out.append(Unmasked(ev.id, ev.original_name, str(ev.kind), numbers))
        return tuple(out)
