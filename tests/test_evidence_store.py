"""Evidence import: atomic, deduplicated, sniffed by content, and every bad file a clear error."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from desk.domain import CaseDraft, CaseType, EvidenceKind

# Written decisions for the corpus rows whose expected outcome is "policy":
# - TIFF (16-bit, multi-page, tiled CMYK JPEG) is accepted: scanners and some phones make TIFF;
#   the first page is the evidence picture.
# - ICO is refused: an icon is never evidence, and it is not on the allow-list.
# - HEIF with AV1 and AVIF are accepted when the installed decoders read them (pillow-heif /
#   Pillow's AVIF plugin); they are phone formats.
# - decompression_bomb_extents.gif is accepted: only the first frame is ever decoded.
POLICY = {
    "tiff_16bit_RGBa.tiff": "import OK",
    "multipage.tiff": "import OK",
    "tiff_tiled_cmyk_jpeg.tif": "import OK",
    "python.ico": "clear error",
    "hopper_256x256.ico": "clear error",
    "hopper.heif": "import OK",
    "hopper.avif": "import OK",
    "decompression_bomb_extents.gif": "import OK",
}


def manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def store_files(desk) -> list[Path]:  # type: ignore[no-untyped-def]
    # The profile's evidence folder (thumbnails) and the store's (the same, or the shared evidence folder in
    # shared-database mode).
    roots = {desk.profile.evidence_dir, desk.evidence._store.root.parent}
    return sorted({p for root in roots for p in root.rglob("*") if p.is_file()})


def tmp_files(desk) -> list[Path]:  # type: ignore[no-untyped-def]
    return list(desk.evidence._store.tmp.iterdir())


def new_case(desk):  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM))
    return case


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()


def test_corpus_outcomes(desk, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    rows = manifest(corpus)
    assert len(rows) == 49
    case = new_case(desk)
    for row in rows:
        name = row["file"]
        expected = POLICY.get(name, row["expected"])
        assert expected in ("import OK", "clear error"), f"{name}: undecided policy {expected!r}"
        before = set(store_files(desk))
        report = desk.evidence.import_files(case.id, [corpus / name])
        if expected == "import OK":
            assert not report.rejected, f"{name}: {report.rejected}"
            stored = report.added[0] if report.added else None
            if stored is not None:
                assert stored.sha256 == row["sha256"]
                assert desk.evidence.blob_path(stored.id).read_bytes() == (corpus / name).read_bytes()
                assert desk.evidence.thumbnail(stored.id).is_file()
        else:
            assert len(report.rejected) == 1, f"{name} was not rejected"
            rejected = report.rejected[0]
            assert rejected.name == name
            assert rejected.reason and "Traceback" not in rejected.reason
            assert set(store_files(desk)) == before, f"{name} left files behind"
        assert tmp_files(desk) == [], f"{name} left a temp file"
    ok = {r["sha256"] for r in rows if POLICY.get(r["file"], r["expected"]) == "import OK"}
    assert {e.sha256 for e in desk.evidence.list(case.id)} == ok


def test_blob_is_exact_copy_and_read_only(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    src = tmp_path / "称重.jpg"
    src.write_bytes(jpeg_bytes())
    report = desk.evidence.import_files(case.id, [src])
    (ev,) = report.added
    blob = desk.evidence.blob_path(ev.id)
    assert blob.read_bytes() == src.read_bytes()
    assert ev.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert blob.name == ev.sha256
    assert not os.stat(blob).st_mode & 0o222
    assert ev.kind == EvidenceKind.WAREHOUSE_WEIGHT  # suggested from the name
    assert ev.media_type == "image/jpeg" and (ev.width, ev.height) == (64, 48)


def test_duplicates_same_case_reported_other_case_shares_blob(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = new_case(desk), new_case(desk)
    src = tmp_path / "x.jpg"
    src.write_bytes(jpeg_bytes())
    copy = tmp_path / "copy-of-x.jpg"
    shutil.copy(src, copy)
    first = desk.evidence.import_files(a.id, [src, copy])
    assert len(first.added) == 1 and first.duplicates == ("copy-of-x.jpg",)
    second = desk.evidence.import_files(b.id, [copy])
    assert len(second.added) == 1
    assert len([p for p in store_files(desk) if p.parent.parent.parent.name == "blobs"]) == 1
    # Removing from one case keeps the blob the other case still uses.
    desk.evidence.remove(first.added[0].id)
    assert desk.evidence.blob_path(second.added[0].id).is_file()
    desk.evidence.remove(second.added[0].id)
    assert not any(p.parent.parent.parent.name == "blobs" for p in store_files(desk))


def test_type_sniffed_from_content_not_extension(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    png_named_jpg = tmp_path / "really-a-png.jpg"
    Image.new("RGB", (10, 10), "blue").save(png_named_jpg, "PNG")
    no_ext = tmp_path / "noextension"
    no_ext.write_bytes(jpeg_bytes((0, 200, 0)))
    text_as_jpg = tmp_path / "notes.jpg"
    text_as_jpg.write_text("这不是图片", encoding="utf-8")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    report = desk.evidence.import_files(case.id, [png_named_jpg, no_ext, text_as_jpg, empty])
    types = {e.original_name: e.media_type for e in report.added}
    assert types == {"really-a-png.jpg": "image/png", "noextension": "image/jpeg"}
    reasons = {r.name: r.reason for r in report.rejected}
    assert "文本" in reasons["notes.jpg"]
    assert "空" in reasons["empty.png"]


def test_odd_names_kept_exactly(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    names = [
        "买家照片😀破损.jpg",
        unicodedata.normalize("NFD", "café-复称.jpg"),
        ("长" * 80) + ".jpg",  # 80 × 3 bytes + 4 = 244 bytes
    ]
    paths = []
    for i, n in enumerate(names):
        p = tmp_path / n
        p.write_bytes(jpeg_bytes((i * 60, 10, 10)))
        paths.append(p)
    report = desk.evidence.import_files(case.id, paths)
    assert sorted(e.original_name for e in report.added) == sorted(names)


def test_missing_file_directory_and_huge_file(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desk.store import media

    case = new_case(desk)
    big = tmp_path / "big.jpg"
    with big.open("wb") as fh:
        fh.truncate(media.MAX_IMAGE_BYTES + 1)
    report = desk.evidence.import_files(case.id, [tmp_path / "gone.jpg", tmp_path, big])
    reasons = [r.reason for r in report.rejected]
    assert len(reasons) == 3
    assert "不存在" in reasons[0] and "文件夹" in reasons[1] and "太大" in reasons[2]
    assert tmp_files(desk) == []


def test_huge_dimensions_rejected_from_header(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    # A PNG header claiming 20000x20000 pixels: refused before any pixel is decoded.
    src = tmp_path / "huge.png"
    Image.new("1", (20000, 20000)).save(src, "PNG")
    report = desk.evidence.import_files(case.id, [src])
    assert report.rejected and "像素过大" in report.rejected[0].reason


def test_fifo_does_not_hang(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    case = new_case(desk)
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    report = desk.evidence.import_files(case.id, [fifo])
    assert report.rejected and report.rejected[0].name == "pipe.jpg"


def test_failure_after_blob_write_leaves_nothing(
    desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    src = tmp_path / "a.jpg"
    src.write_bytes(jpeg_bytes())

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(desk.evidence._importer, "_insert", boom)
    report = desk.evidence.import_files(case.id, [src])
    assert report.rejected and "磁盘空间已满" in report.rejected[0].reason
    assert store_files(desk) == [p for p in store_files(desk) if "thumbnails" in str(p)]
    assert not any(p.parent.parent.parent.name == "blobs" for p in store_files(desk))
    assert desk.evidence.list(case.id) == []


def test_cancel_stops_between_files(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    paths = []
    for i in range(5):
        p = tmp_path / f"{i}.jpg"
        p.write_bytes(jpeg_bytes((i * 40, 0, 0)))
        paths.append(p)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    report = desk.evidence.import_files(case.id, paths, cancel=cancel)
    assert report.cancelled and len(report.added) == 2
    assert len(desk.evidence.list(case.id)) == 2
    assert tmp_files(desk) == []


def test_timeline_records_evidence(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(desk)
    report = desk.evidence.import_bytes(case.id, jpeg_bytes(), "粘贴的截图.png", kind=EvidenceKind.CHAT)
    (ev,) = report.added
    desk.evidence.update(ev.id, caption="买家承认摔落")
    desk.evidence.remove(ev.id)
    kinds = [e.kind.value for e in desk.cases.timeline(case.id)]
    assert kinds == ["created", "evidence_added", "field_changed", "evidence_removed"]


def test_every_original_is_on_disk_before_it_enters_the_store(
    desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A blob at its SHA-256 name is always complete: its data is fsynced before the rename into place.

    The workers no longer fsync (a worker waiting for the disk leaves a core idle); the writer
    thread does it, and this is what must not get lost on the way.
    """
    case = new_case(desk)
    sources = []
    for i in range(6):
        src = tmp_path / f"photo-{i}.jpg"
        src.write_bytes(jpeg_bytes((i * 40, 10, 10)))
        sources.append(src)
    events: list[tuple[str, int]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        events.append(("fsync", os.fstat(fd).st_ino))

    def replace(src, dst, **kw):  # type: ignore[no-untyped-def]
        inode = os.stat(src).st_ino
        real_replace(src, dst, **kw)
        events.append(("replace", inode))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    report = desk.evidence.import_files(case.id, [*sources, sources[0]])
    assert len(report.added) == 6 and report.duplicates == ("photo-0.jpg",)
    blob_inodes = {os.stat(desk.evidence.blob_path(ev.id)).st_ino for ev in report.added}
    for inode in blob_inodes:
        placed = events.index(("replace", inode))
        assert ("fsync", inode) in events[:placed], "a blob entered the store before its data was synced"


def test_a_batch_reports_exactly_the_rows_it_stored(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What the import hands back (and the gallery shows at once) is what a fresh read of the case gives."""
    case = new_case(desk)
    sources = []
    for i in range(20):  # more than one transaction's worth
        src = tmp_path / f"图{i:02d}.jpg"
        src.write_bytes(jpeg_bytes((10, i * 12, 10), size=(40 + i, 30)))
        sources.append(src)
    report = desk.evidence.import_files(case.id, sources)
    listed = desk.evidence.list(case.id)
    assert [e.original_name for e in report.added] == [p.name for p in sources]
    assert list(report.added) == listed
    assert [e.width for e in listed] == [40 + i for i in range(20)]
