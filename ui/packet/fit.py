"""Open a window at the size it wants, but never taller or wider than the screen it opens on: a 1280×720
laptop screen (what is left of it under the taskbar) must show every button of every dialog."""

from __future__ import annotations

from ui.qt import QApplication, QRect, QWidget

# What the window manager adds around a window (title bar, borders): kept free so the frame fits too.
FRAME_WIDTH = 16
FRAME_HEIGHT = 40


def available_geometry(widget: QWidget) -> QRect:
    """The screen area a window may use (without the taskbar); what tests set to 1280×720."""
    screen = widget.screen() or QApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def fit_on_screen(widget: QWidget, width: int, height: int) -> None:
    """resize(width, height), shrunk to the available screen area less the window frame."""
    area = available_geometry(widget)
    widget.resize(min(width, area.width() - FRAME_WIDTH), min(height, area.height() - FRAME_HEIGHT))
