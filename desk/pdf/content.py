"""The plain data a packet is built from, so the PDF code never touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desk.domain import Mark


@dataclass(frozen=True, slots=True)
class PacketEvidence:
    """One evidence item as it goes into a packet."""

    kind: str  # EvidenceKind value, e.g. "仓库称重图"
    blob_path: Path  # the stored original (never modified)
    media_type: str  # "image/jpeg", "image/png", ..., "application/pdf"
    original_name: str
    caption: str
    captured_at: datetime | None  # when it was taken, by its own metadata or as stated; None: unknown
    sha256: str
    marks: tuple[Mark, ...] = ()  # annotations and redactions, drawn on the picture
    rotation: int = 0  # degrees clockwise, on top of EXIF orientation
    key_frames: tuple[int, ...] = ()  # videos: moments (ms) to show; none = the first frame
    duration_ms: int | None = None  # videos
    byte_size: int | None = None  # of the original, for the appendix manifest
    imported_at: datetime | None = None
    time_stated: bool = False  # captured_at was read off the picture by the shop, not its metadata


@dataclass(frozen=True, slots=True)
class FirstPage:
    """What page 1 shows under the claim: the evidence that decides this kind of appeal, and its numbers
    (which kinds and which numbers: desk/pdf/layouts.py)."""

    # Positions in PacketContent.evidence: one picture prints across the page, two side by side. A
    # picture with a 放大区域 shows that region enlarged; a tall screenshot, its top at a legible size.
    pictures: tuple[int, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # (label, value): the numbers that decide it
    # 重量计算 (label, working): items × unit weight + packaging = expected, tolerance, each weighing and
    # its difference; the last row is the conclusion.
    arithmetic: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PacketContent:
    """Everything printed in an appeal packet."""

    title: str  # e.g. "拼多多 维权申诉材料"
    order_no: str
    cover_fields: tuple[tuple[str, str], ...]  # (label, value) rows of the cover block, in order
    description: str  # 问题描述
    evidence: tuple[PacketEvidence, ...]  # already in packet order (grouped by kind)
    generated_at: datetime
    key_facts: tuple[tuple[str, str], ...] = ()  # (label, value): times and amounts the case knows
    weight_table: tuple[tuple[str, str, str, str], ...] = ()  # 项目, 重量, 差值, 结论; last row = 结论
    timeline: tuple[tuple[str, str], ...] = ()  # (local time, what happened), already masked
    # A draft for internal printing: every page carries a 草稿 watermark (the readiness check was not met).
    draft: bool = False
    # 申诉要点: the claim in one paragraph with the numbers that decide it (desk/pdf/layouts.py), page 1.
    claim: str = ""
    first_page: FirstPage = FirstPage()  # the decisive evidence under the claim
    warnings: tuple[str, ...] = ()  # for the operator, never printed (a layout file that was ignored …)
