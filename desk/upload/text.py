"""Fitting the 申诉说明 to a platform's character limit: cut at a sentence end, and say what was cut."""

from __future__ import annotations

from dataclasses import dataclass

from desk import names

SENTENCE_ENDS = "。！？!?；;…\n"
CLAUSE_ENDS = "，、,：:"
# Closing quotes and brackets stay with the sentence they end: 他说“好的。”
CLOSERS = "”’」』）)】》\"'"
# A sentence end that keeps less than this share of the limit loses too much; a clause end is used
# instead when it keeps more (and failing both, the text is cut at the limit itself).
MIN_KEEP_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Trimmed:
    """The text as it fits, and what had to go.

    Attributes:
        kept: the text to paste (at most `limit` characters).
        cut: what was left out, "" when nothing was.
        limit: the character limit applied.
        boundary: "" (nothing cut), "sentence", "clause" or "hard" (cut mid-sentence).
    """

    kept: str
    cut: str
    limit: int
    boundary: str

    @property
    def was_cut(self) -> bool:
        return bool(self.cut)


def normalize(text: str) -> str:
    """Line ends as "\\n", no control or direction characters, no trailing spaces, no blank lines at either end.

    The text is pasted into the platform's form: a terminal escape or a bidi override in it would only
    garble what the reviewer reads.
    """
    lines = [names.without_controls(line) for line in text.splitlines()]
    return "\n".join(line.rstrip() for line in lines).strip()


def count_chars(text: str) -> int:
    """Characters as a platform form counts them: every character, a line break as one."""
    return len(normalize(text))


def _last_end(window: str, ends: str) -> int:
    """Index just after the last end character in window (closing quotes included), or 0."""
    for i in range(len(window) - 1, -1, -1):
        if window[i] in ends:
            j = i + 1
            while j < len(window) and window[j] in CLOSERS:
                j += 1
            return j
    return 0


def trim_to_limit(text: str, limit: int) -> Trimmed:
    """Keep as much of `text` as fits in `limit` characters, ending at a sentence end where possible."""
    clean = normalize(text)
    if len(clean) <= limit:
        return Trimmed(clean, "", limit, "")
    window = clean[: max(0, limit)]
    at, boundary = _last_end(window, SENTENCE_ENDS), "sentence"
    if at < limit * MIN_KEEP_SHARE:
        clause = _last_end(window, CLAUSE_ENDS)
        if clause > at:
            at, boundary = clause, "clause"
    if at == 0:
        at, boundary = len(window), "hard"
    kept = clean[:at].rstrip()
    if boundary == "clause" and kept and kept[-1] in CLAUSE_ENDS:
        kept = kept[:-1] + "。"  # a cut clause reads as a finished sentence
    return Trimmed(kept, clean[at:].strip(), limit, boundary)
