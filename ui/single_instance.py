"""One window per profile: the second start hands over to the first (which comes to the front) and exits.

Ownership is the OS file lock of desk.lock (desk/lock.py), which the kernel releases when a process
dies, so after a kill -9 the next start simply takes over. A QLocalServer named after the profile
lets a second start reach the first; a stale server name left by a killed owner is removed first.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from desk.lock import ProfileLock
from ui.qt import QLocalServer, QLocalSocket, QObject, QWidget, Signal, Slot

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
HANDOVER_TIMEOUT_MS = 1500


def server_name(root: Path) -> str:
    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:20]
    return f"AfterSalesDesk-{digest}"


class SingleInstance(QObject):
    """The running window's claim on its profile.

    Signals:
        activated(): a second start asked this window to come to the front.
    """

    activated = Signal()

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.name = server_name(root)
        self.lock = ProfileLock(root)
        self.server: QLocalServer | None = None
        self._window: QWidget | None = None

    def claim(self) -> bool:
        """Own the profile (True), or hand over to the window that owns it (False)."""
        if self.lock.try_acquire():
            QLocalServer.removeServer(self.name)  # left behind if the previous owner was killed
            server = QLocalServer(self)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            if server.listen(self.name):
                server.newConnection.connect(self._on_new_connection)
                self.server = server
                log.info("single instance: listening as %s", self.name)
            else:  # the lock still guarantees one owner; only the hand-over is missing
                log.warning("single instance: cannot listen (%s)", server.errorString())
            return True
        return False

    def hand_over(self) -> bool:
        """Ask the owner to come to the front; True if it answered."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(HANDOVER_TIMEOUT_MS):
            return False
        sock.write(ACTIVATE)
        ok = sock.waitForBytesWritten(HANDOVER_TIMEOUT_MS)
        sock.disconnectFromServer()
        return bool(ok)

    def attach(self, window: QWidget) -> None:
        """Bring this window to the front whenever a second start hands over."""
        self._window = window
        self.activated.connect(self._raise_window)

    @Slot()
    def _on_new_connection(self) -> None:
        assert self.server is not None
        while (sock := self.server.nextPendingConnection()) is not None:
            conn = sock

            def on_ready(conn: QLocalSocket = conn) -> None:
                if bytes(conn.readAll().data()).startswith(ACTIVATE.strip()):
                    log.info("single instance: a second start handed over")
                    self.activated.emit()
                conn.disconnectFromServer()

            conn.readyRead.connect(on_ready)
            conn.disconnected.connect(conn.deleteLater)

    @Slot()
    def _raise_window(self) -> None:
        w = self._window
        if w is None:
            return
        if w.isMinimized():
            w.showNormal()
        w.show()
        w.raise_()
        w.activateWindow()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.release()


_current: SingleInstance | None = None


def claim_or_hand_over(root: Path) -> SingleInstance | None:
    """At start, before the profile is opened. None means: another window has it; exit quietly.

    Needs a QApplication. If the owner does not answer (hung), the operator is told in plain words.
    """
    global _current
    guard = SingleInstance(root)
    if guard.claim():
        _current = guard
        return guard
    if guard.hand_over():
        log.info("profile %s is open in another window; handed over", root)
        print(f"“{root}”已在另一个售后申诉工作台窗口中打开，已切换到那个窗口。", flush=True)
        return None
    from ui.errors import APP_TITLE
    from ui.qt import QMessageBox

    owner = guard.lock.owner_pid()
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        APP_TITLE,
        f"数据文件夹“{root}”正被另一个售后申诉工作台窗口使用（进程 {owner or '?'}），但它没有响应。",
    )
    box.setInformativeText("请切换到那个窗口，或在任务管理器中结束它之后再打开。")
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
    return None


def current() -> SingleInstance | None:
    return _current
