"""Redactions the desk proposes from what it read in a picture, as marks on the evidence.

A phone number or a street address found in a picture (fields.propose_redactions) becomes a black box (a REDACT mark whose text
starts with AUTO): shown in the viewer like the operator's own, burned into every copy that leaves for the
platform (the PDF packet's pictures, the upload kit's pictures; desk/store/render.py draws marks), never
into the original file. When the operator deletes one, a KEPT mark with the same text remembers it, so the
same number is not proposed again. Pure functions: the service (desk/services/redaction.py) stores them.

Coordinates: the worker reports boxes in the pixels of the picture with its EXIF rotation applied, and marks
are fractions of that same upright picture (before the operator's own turn), so a box is divided by the
reading's width and height and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from desk.domain import Mark, MarkShape
from desk.recognition.fields import propose_redactions
from desk.recognition.types import Reading

AUTO = "自动遮挡："  # the text of a proposed redaction: AUTO + what it hides ("电话号码 138****8000")


def proposals(reading: Reading) -> tuple[Mark, ...]:
    """One REDACT mark per phone number and street address found in the picture, in 0..1 coordinates of
    the upright picture."""
    w, h = max(1, reading.width), max(1, reading.height)
    out = []
    for r in propose_redactions(reading.lines):
        xs = [p[0] for p in r.box]
        ys = [p[1] for p in r.box]
        out.append(
            Mark(MarkShape.REDACT, min(xs) / w, min(ys) / h, max(xs) / w, max(ys) / h, AUTO + r.reason)
        )
    return tuple(out)


def is_proposal(mark: Mark) -> bool:
    return mark.shape == MarkShape.REDACT and mark.text.startswith(AUTO)


def with_proposals(marks: Sequence[Mark], proposed: Sequence[Mark]) -> tuple[Mark, ...]:
    """The marks with every proposal added that is neither there already nor removed by the operator."""
    known = {m.text for m in marks if is_proposal(m) or m.shape == MarkShape.KEPT}
    return (*marks, *(p for p in proposed if p.text not in known))


def remember_removed(old: Sequence[Mark], new: Sequence[Mark]) -> tuple[Mark, ...]:
    """The operator's new marks, plus a KEPT mark for each proposal they deleted and each KEPT mark they
    did not carry over (an editor that does not show KEPT marks must not forget them)."""
    texts = {m.text for m in new if is_proposal(m) or m.shape == MarkShape.KEPT}
    added = []
    for m in old:
        if (is_proposal(m) or m.shape == MarkShape.KEPT) and m.text not in texts:
            added.append(Mark(MarkShape.KEPT, m.x0, m.y0, m.x1, m.y1, m.text))
            texts.add(m.text)
    return (*new, *added)


def _covered(box: Mark, marks: Sequence[Mark]) -> bool:
    area = max(1e-12, (box.x1 - box.x0) * (box.y1 - box.y0))
    for m in marks:
        if m.shape != MarkShape.REDACT:
            continue
        left, right = sorted((m.x0, m.x1))
        top, bottom = sorted((m.y0, m.y1))
        w = min(right, box.x1) - max(left, box.x0)
        h = min(bottom, box.y1) - max(top, box.y0)
        if w > 0 and h > 0 and w * h >= 0.9 * area:
            return True
    return False


def unmasked(reading: Reading, marks: Sequence[Mark]) -> tuple[str, ...]:
    """The phone numbers (as the masker writes them, 138****8000) the picture still shows: found in it and
    not under a black box, whether none was proposed or the operator removed it."""
    return tuple(p.text[len(AUTO) :] for p in proposals(reading) if not _covered(p, marks))
