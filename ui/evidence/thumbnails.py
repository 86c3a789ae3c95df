"""Thumbnail loading: workers decode QImages (LIFO, newest request first); pixmaps live on the GUI thread.

Two cache levels, as in calibre's cover grid: the services keep a disk cache of upright JPEG
thumbnails keyed by the content's SHA-256; this class keeps a memory LRU of pixmaps with the
operator's rotation and marks (redactions!) drawn in, keyed so that any change of those repaints.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path

from desk.domain import EvidenceData, Mark
from desk.errors import DeskError
from ui.evidence.marks import paint_marks
from ui.qt import QImage, QImageReader, QObject, QPainter, QPixmap, QRectF, QSize, Qt, QTransform, Signal
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# (evidence id, sha256, rotation, marks): a replaced blob, a turn or a new redaction gets a new thumbnail.
Key = tuple[int, str, int, tuple[Mark, ...]]


def _key(evidence: EvidenceData) -> Key:
    return (int(evidence.id), evidence.sha256, evidence.rotation, evidence.marks)


def read_scaled(path: Path, box: int) -> QImage:
    """Decode an image scaled to fit box×box; runs on a worker (QImage is thread-safe, QPixmap is not)."""
    reader = QImageReader(str(path))
    # The services already applied EXIF orientation to the thumbnail; do not rotate twice.
    reader.setAutoTransform(False)
    size = reader.size()
    if size.isValid() and (size.width() > box or size.height() > box):
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise OSError(reader.errorString())
    return image


def dress(image: QImage, evidence: EvidenceData) -> QImage:
    """Draw the item's marks on an upright picture, then turn it by the operator's rotation (worker)."""
    if evidence.marks:
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        full = (evidence.width or image.width(), evidence.height or image.height())
        painter = QPainter(image)
        try:
            paint_marks(painter, evidence.marks, QRectF(0, 0, image.width(), image.height()), full)
        finally:
            painter.end()
    if evidence.rotation % 360:
        image = image.transformed(QTransform().rotate(evidence.rotation % 360))
    return image


class ThumbnailCache(QObject):
    """Memory LRU of thumbnails for the gallery, filled by background workers.

    pixmap() never blocks: it returns None and queues a request, and `ready` fires when the
    thumbnail (or the reason it failed) is in.

    Signals:
        ready(int): evidence id whose thumbnail just arrived or failed.
    """

    ready = Signal(int)

    def __init__(
        self,
        thumbnail: Callable[[EvidenceData], Path],
        runner: TaskRunner,
        *,
        box: int = 160,
        device_pixel_ratio: float = 1.0,
        capacity: int = 400,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thumbnail = thumbnail
        self._runner = runner
        self._box = box
        self._dpr = device_pixel_ratio
        self._capacity = capacity
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._failed: dict[Key, str] = {}
        self._requested: set[Key] = set()
        # Shared with the workers: guarded by the lock. LIFO so the rows just scrolled to come first.
        self._lock = threading.Lock()
        self._pending: deque[tuple[Key, EvidenceData]] = deque()

    def pixmap(self, evidence: EvidenceData) -> QPixmap | None:
        key = _key(evidence)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key not in self._failed and key not in self._requested:
            self._request(key, evidence)
        return None

    def failure(self, evidence: EvidenceData) -> str | None:
        """Why this thumbnail cannot be shown, or None."""
        return self._failed.get(_key(evidence))

    def has(self, evidence: EvidenceData) -> bool:
        return _key(evidence) in self._pixmaps

    def __len__(self) -> int:
        return len(self._pixmaps)

    def drop_pending(self) -> None:
        """Forget queued requests (e.g. another case is shown); running decodes still finish."""
        with self._lock:
            dropped = [key for key, _ in self._pending]
            self._pending.clear()
        self._requested.difference_update(dropped)

    def _request(self, key: Key, evidence: EvidenceData) -> None:
        self._requested.add(key)
        with self._lock:
            self._pending.append((key, evidence))
        # One job per request; each job takes whichever request is newest when it starts.
        self._runner.submit(self._work, pool="cpu")

    def _work(self) -> None:
        with self._lock:
            if not self._pending:
                return
            key, evidence = self._pending.pop()
        image: QImage | None = None
        error = ""
        try:
            path = self._thumbnail(evidence)
            image = dress(read_scaled(path, round(self._box * self._dpr)), evidence)
        except DeskError as exc:
            error = exc.message
        except Exception as exc:
            log.warning("thumbnail of evidence %s failed", key[0], exc_info=exc)
            error = "无法生成预览"
        self._runner.run_on_gui(lambda: self._deliver(key, image, error))

    def _deliver(self, key: Key, image: QImage | None, error: str) -> None:
        self._requested.discard(key)
        if image is None:
            self._failed[key] = error or "无法生成预览"
        else:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self._dpr)
            self._pixmaps[key] = pixmap
            while len(self._pixmaps) > self._capacity:
                self._pixmaps.popitem(last=False)
        self.ready.emit(key[0])
