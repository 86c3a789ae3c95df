"""The one place the UI imports Qt from, so a binding or version change touches one file."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QDate,
    QEvent,
    QIODevice,
    QItemSelection,
    QItemSelectionModel,
    QLibraryInfo,
    QLineF,
    QLocale,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QRegularExpression,
    QSettings,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QBrush,
    QCloseEvent,
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QIcon,
    QImage,
    QImageReader,
    QImageWriter,
    QInputMethodEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QRegularExpressionValidator,
    QResizeEvent,
    QShortcut,
    QTransform,
    QWheelEvent,
)
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QSystemTrayIcon,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

__all__ = [
    "SINGLETONS_GUARDED",
    "QAbstractButton",
    "QAbstractItemView",
    "QAbstractListModel",
    "QAbstractPrintDialog",
    "QAbstractTableModel",
    "QAction",
    "QActionGroup",
    "QApplication",
    "QBrush",
    "QBuffer",
    "QByteArray",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QComboBox",
    "QContextMenuEvent",
    "QDate",
    "QDateEdit",
    "QDesktopServices",
    "QDialog",
    "QDialogButtonBox",
    "QDoubleSpinBox",
    "QDrag",
    "QDragEnterEvent",
    "QDragMoveEvent",
    "QDropEvent",
    "QEvent",
    "QFileDialog",
    "QFont",
    "QFontDatabase",
    "QFontMetrics",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGroupBox",
    "QHBoxLayout",
    "QHeaderView",
    "QIODevice",
    "QIcon",
    "QImage",
    "QImageReader",
    "QImageWriter",
    "QInputDialog",
    "QInputMethodEvent",
    "QItemSelection",
    "QItemSelectionModel",
    "QKeyEvent",
    "QKeySequence",
    "QLabel",
    "QLayout",
    "QLibraryInfo",
    "QLineEdit",
    "QLineF",
    "QListView",
    "QListWidget",
    "QListWidgetItem",
    "QLocalServer",
    "QLocalSocket",
    "QLocale",
    "QMainWindow",
    "QMenu",
    "QMessageBox",
    "QMimeData",
    "QModelIndex",
    "QMouseEvent",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPalette",
    "QPdfDocument",
    "QPdfView",
    "QPen",
    "QPersistentModelIndex",
    "QPixmap",
    "QPlainTextEdit",
    "QPoint",
    "QPointF",
    "QPolygonF",
    "QPrintDialog",
    "QPrinter",
    "QProgressDialog",
    "QPushButton",
    "QRect",
    "QRectF",
    "QRegularExpression",
    "QRegularExpressionValidator",
    "QResizeEvent",
    "QScrollArea",
    "QSettings",
    "QShortcut",
    "QSize",
    "QSizeF",
    "QSizePolicy",
    "QSlider",
    "QSpinBox",
    "QSplitter",
    "QStackedWidget",
    "QStyle",
    "QStyleOptionViewItem",
    "QStyledItemDelegate",
    "QSystemTrayIcon",
    "QTabWidget",
    "QTableView",
    "QTableWidget",
    "QTableWidgetItem",
    "QTimer",
    "QToolBar",
    "QToolButton",
    "QTransform",
    "QTranslator",
    "QTreeWidget",
    "QTreeWidgetItem",
    "QUrl",
    "QVBoxLayout",
    "QWheelEvent",
    "QWidget",
    "Qt",
    "Signal",
    "SignalInstance",
    "Slot",
    "encode_image",
    "isValid",
]


def encode_image(image: QImage, fmt: str = "png") -> bytes | None:
    """The picture as a file's bytes (PNG by default: lossless, a screenshot stays sharp); None if Qt
    cannot write it.

    Through QImageWriter rather than QImage.save(buffer, "PNG"): PySide6's stubs type save()'s format
    as bytes, which the binding refuses at run time (it takes only str), so that call cannot be typed.
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = QImageWriter(buffer, QByteArray(fmt.encode("ascii"))).write(image)
    buffer.close()
    return bytes(data.data()) if ok else None


_PROBE_ROUNDS = 64
# Enough references that no realistic session can drop them all: 2**40 at a million a second is 12 days.
_IMMORTAL_MARGIN = 1 << 40


def _binding_drops_singletons() -> bool:
    """Whether this PySide6 build hands out None and True without owning a reference.

    PySide6 6.12.0 on CPython 3.11 does: every wrapped call that returns None (setText, processEvents,
    a QVariant that is empty, a Python paintEvent returning) and every Python-side Signal.emit()
    (which returns True) lowers the singleton's reference count by one. After some thousand calls
    the interpreter aborts with "Fatal Python error: none_dealloc" (or bool_dealloc). From CPython
    3.12 these objects are immortal and the counts never move, so the bug is invisible there.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_ROUNDS):
        probe.property("desk-probe")  # an empty QVariant comes back as None
    drops_none = before - sys.getrefcount(None) >= _PROBE_ROUNDS
    before = sys.getrefcount(True)
    for _ in range(_PROBE_ROUNDS):
        probe.ping.emit()
    drops_true = before - sys.getrefcount(True) >= _PROBE_ROUNDS
    return drops_none or drops_true


def _make_immortal(obj: object) -> None:
    """Give a singleton a huge reference count, as CPython 3.12 does for it (ob_refcnt is its first field)."""
    ctypes.c_ssize_t.from_address(id(obj)).value += _IMMORTAL_MARGIN


# Done once, at the first Qt import of the UI, before any widget exists: nothing can be freed by it,
# because these singletons are never deallocated anyway; it only takes away the fatal count of zero.
SINGLETONS_GUARDED = _binding_drops_singletons()
if SINGLETONS_GUARDED:
    for _singleton in (None, True, False):
        _make_immortal(_singleton)
