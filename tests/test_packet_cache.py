"""Issue 7: prepared packet pictures are cached on disk, so a rebuilt packet does not decode its photos
again; the cache never changes a packet's bytes; a changed mark, a damaged entry or an unwritable
cache folder are handled; every generated packet is kept in the case's history."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat
from pypdf import PdfReader

import desk.pdf.pictures as packet_module  # the packet prepares its pictures there
from desk.domain import CaseDraft, Mark, MarkShape
from desk.pdf.cache import PreparedCache
from desk.pdf.images import PreparedImage
from desk.pdf.packet import build_packet

ORDER_NO = "261120-583920174650321"
PHOTOS = 3


def _photo(path: Path, seed: int) -> None:
    """A noisy 1600x1200 phone-like JPEG, large enough for the draft decode and a resample."""
    rng = random.Random(seed)
    im = Image.effect_noise((1600, 1200), 40).convert("RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randrange(1400), rng.randrange(1000)
        draw.rectangle((x, y, x + 200, y + 150), fill=tuple(rng.randrange(60, 256) for _ in range(3)))
    exif = Image.Exif()
    if seed == 1:
        exif[0x0112] = 6  # one portrait photo, turned by EXIF
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())


@pytest.fixture
def case_with_photos(desk: Any, tmp_path: Path) -> tuple[Any, list[Any]]:
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO, description="买家称少发一件。"))
    paths = []
    for n in range(PHOTOS):
        path = tmp_path / f"IMG_{n:04d}.jpg"
        _photo(path, n)
        paths.append(path)
    report = desk.evidence.import_files(case.id, paths)
    assert len(report.added) == PHOTOS
    return case, list(report.added)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every picture the packet code decodes and prepares (cache misses), by original path."""
    calls: list[Path] = []
    real = packet_module.prepare_image

    def counting(path: Path, *args: Any, **kwargs: Any) -> PreparedImage:
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(packet_module, "prepare_image", counting)
    return calls


def _images(path: Path) -> list[Image.Image]:
    """Every picture the file embeds, once each (page 1 shows a picture of the evidence again, from the
    same embedded image)."""
    out = []
    seen: set[int] = set()
    for page in PdfReader(path).pages:
        for img in page.images:
            ref = img.indirect_reference
            if ref is not None and ref.idnum in seen:
                continue
            if ref is not None:
                seen.add(ref.idnum)
            out.append(cast(Image.Image, img.image).convert("RGB"))
    return out


def _text(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_regenerating_after_a_text_edit_reuses_every_photo(
    desk: Any, case_with_photos: tuple[Any, list[Any]], counted: list[Path], tmp_path: Path
) -> None:
    case, _ = case_with_photos
    first = desk.packets.build(case.id, tmp_path / "1.pdf")
    assert len(counted) == PHOTOS
    assert desk.packets.last_cache_stats.misses == PHOTOS
    counted.clear()

    desk.cases.update(case.id, description="买家称少发一件，仓库复称重量一致。")
    second = desk.packets.build(case.id, tmp_path / "2.pdf")
    assert counted == []  # no photo decoded again
    stats = desk.packets.last_cache_stats
    assert (stats.hits, stats.misses, stats.rebuilt) == (PHOTOS, 0, 0)
    # The edit is in the new packet, and the photos are the same pictures as before.
    assert "仓库复称重量一致" in _text(second.path) and "仓库复称重量一致" not in _text(first.path)
    old, new = _images(first.path), _images(second.path)
    assert len(new) == PHOTOS
    assert [a.tobytes() for a in old] == [b.tobytes() for b in new]


def test_cache_never_changes_the_bytes(
    desk: Any, case_with_photos: tuple[Any, list[Any]], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    case, _ = case_with_photos
    content = desk.packets.content(case.id, generated_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    plain = build_packet(content, tmp_path / "plain.pdf")
    cache = PreparedCache(tmp_path / "cache")
    cold = build_packet(content, tmp_path / "cold.pdf", cache=cache)
    warm = build_packet(content, tmp_path / "warm.pdf", cache=cache)
    single = build_packet(content, tmp_path / "single.pdf", workers=1)
    assert (cache.stats.misses, cache.stats.hits) == (PHOTOS, PHOTOS)
    assert plain.sha256 == cold.sha256 == warm.sha256 == single.sha256
    assert (tmp_path / "plain.pdf").read_bytes() == (tmp_path / "warm.pdf").read_bytes()


def test_a_new_redaction_misses_the_cache_and_shows_in_the_packet(
    desk: Any, case_with_photos: tuple[Any, list[Any]], counted: list[Path], tmp_path: Path
) -> None:
    case, items = case_with_photos
    before = desk.packets.build(case.id, tmp_path / "before.pdf")
    counted.clear()
    target = items[2]
    desk.evidence.set_marks(target.id, [Mark(MarkShape.REDACT, 0.0, 0.0, 0.5, 1.0)])  # the left half

    after = desk.packets.build(case.id, tmp_path / "after.pdf")
    stats = desk.packets.last_cache_stats
    assert (stats.hits, stats.misses) == (PHOTOS - 1, 1)
    assert counted == [desk.evidence.blob_path(target.id)]  # only the marked photo was prepared again
    old, new = _images(before.path), _images(after.path)
    changed = [
        i for i, (a, b) in enumerate(zip(old, new, strict=True)) if ImageChops.difference(a, b).getbbox()
    ]
    assert len(changed) == 1
    picture = new[changed[0]]
    left = picture.crop((0, 0, picture.width // 2 - 2, picture.height))
    right = picture.crop((picture.width // 2 + 2, 0, picture.width, picture.height))
    assert max(ImageStat.Stat(left).mean) < 8  # black where the redaction is
    assert min(ImageStat.Stat(right).mean) > 40  # the photo elsewhere
    assert max(ImageStat.Stat(old[changed[0]].crop(left.getbbox() or (0, 0, 1, 1))).mean) > 40


def test_a_damaged_cache_entry_is_detected_and_rebuilt(
    desk: Any, case_with_photos: tuple[Any, list[Any]], counted: list[Path], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    case, _ = case_with_photos
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    good = desk.packets.build(case.id, tmp_path / "good.pdf", generated_at=when)
    entries = sorted(desk.profile.packet_cache_dir.rglob("*.prep"))
    assert len(entries) == PHOTOS
    # One entry has a flipped byte in its picture, one is cut short, one is not an entry at all.
    data = bytearray(entries[0].read_bytes())
    data[-100] ^= 0xFF
    entries[0].write_bytes(bytes(data))
    entries[1].write_bytes(entries[1].read_bytes()[:500])
    entries[2].write_bytes(b"\x00" * 64)
    counted.clear()

    again = desk.packets.build(case.id, tmp_path / "again.pdf", generated_at=when)
    stats = desk.packets.last_cache_stats
    assert (stats.rebuilt, stats.hits, stats.misses) == (PHOTOS, 0, PHOTOS)
    assert len(counted) == PHOTOS
    # The same pictures as before (the text differs: the timeline lists the first packet).
    assert [a.tobytes() for a in _images(good.path)] == [b.tobytes() for b in _images(again.path)]
    # The entries were written again and are good now.
    counted.clear()
    desk.packets.build(case.id, tmp_path / "third.pdf", generated_at=when)
    assert desk.packets.last_cache_stats.hits == PHOTOS and counted == []


def test_an_unwritable_cache_folder_does_not_stop_a_packet(
    desk: Any, case_with_photos: tuple[Any, list[Any]], tmp_path: Path
) -> None:
    case, _ = case_with_photos
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    desk.packets.cache_dir = blocker / "cache"  # mkdir fails below a file
    result = desk.packets.build(case.id, tmp_path / "p.pdf")
    assert result.path.is_file() and len(_images(result.path)) == PHOTOS
    assert desk.packets.last_cache_stats.write_errors == PHOTOS


def test_prune_drops_least_recently_used_entries(tmp_path: Path) -> None:
    import os

    cache = PreparedCache(tmp_path / "cache", max_bytes=2500)
    image = PreparedImage(
        jpeg=b"\xff\xd8" + b"x" * 1000, pixel_width=1, pixel_height=1, width_pt=1.0, height_pt=1.0
    )
    keys = [f"{n:02d}" + "0" * 62 for n in range(4)]
    for age, key in enumerate(keys):
        cache.put(key, image)
        os.utime(cache.path_for(key), (1_000_000 + age, 1_000_000 + age))
    assert cache.get(keys[0]) is not None  # used now: the newest
    assert cache.prune() == 2
    left = {k for k in keys if cache.path_for(k).is_file()}
    assert left == {keys[0], keys[3]}


def test_regenerating_keeps_older_versions_in_the_history(
    desk: Any, case_with_photos: tuple[Any, list[Any]]
) -> None:
    case, _ = case_with_photos
    first = desk.packets.build(case.id)
    first_bytes = first.path.read_bytes()
    desk.cases.update(case.id, description="第二版：补充了复称照片说明。")
    second = desk.packets.build(case.id, kind="freight")
    assert first.path != second.path and first.path.parent == second.path.parent
    assert first.path.read_bytes() == first_bytes  # never overwritten

    history = desk.packets.history(case.id)
    assert [h.file_name for h in history] == [str(second.path), str(first.path)]  # newest first
    for entry in history:
        data = Path(entry.file_name).read_bytes()
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
        assert entry.byte_size == len(data)
    assert (history[0].kind, history[1].kind) == ("freight", "")  # keys; the window shows their words
    assert "第二版" in _text(second.path) and "第二版" not in _text(first.path)
