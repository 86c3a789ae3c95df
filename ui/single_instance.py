"""One window per profile: the second start hands over to the first (which comes to the front) and exits.

Ownership is the OS file lock of desk.lock (desk/lock.py), which the kernel releases when a process
dies, so after a kill -9 the next start simply takes over. A QLocalServer named after the profile
lets a second start reach the first; a stale server name left by a killed owner is removed first.

A start given a backup file (a double-clicked .deskbackup, main.py's argument) offers that restore in the
window that owns the profile: its own window once the desk is open, or the running one it hands over to.
The offer is the 工具 ▸ 恢复… question (ui/tools/backup_dialog.py), never a restore without asking.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from desk.lock import ProfileLock
from ui.qt import QLocalServer, QLocalSocket, QObject, QTimer, QWidget, Signal, Slot

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
OPEN = b"open "  # followed by the backup file's path in UTF-8 and a newline
HANDOVER_TIMEOUT_MS = 1500


def server_name(root: Path) -> str:
    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:20]
    return f"AfterSalesDesk-{digest}"


class SingleInstance(QObject):
    """The running window's claim on its profile.

    Signals:
        activated(): a second start asked this window to come to the front.
        open_requested(str): a start was given this backup file; the window offers to restore it.
    """

    activated = Signal()
    open_requested = Signal(str)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.name = server_name(root)
        self.lock = ProfileLock(root)
        self.server: QLocalServer | None = None
        self._window: QWidget | None = None
        self._pending: list[Path] = []  # backup files asked for before a window with an open desk was here
        self.open_requested.connect(self._offer)

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

    def hand_over(self, open_backup: Path | None = None) -> bool:
        """Ask the owner to come to the front (and to offer restoring open_backup); True if it answered."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(HANDOVER_TIMEOUT_MS):
            return False
        sock.write(ACTIVATE if open_backup is None else OPEN + str(open_backup).encode("utf-8") + b"\n")
        ok = sock.waitForBytesWritten(HANDOVER_TIMEOUT_MS)
        sock.disconnectFromServer()
        return bool(ok)

    def attach(self, window: QWidget) -> None:
        """Bring this window to the front whenever a second start hands over. The window has its desk
        open (ui/tools start_reliability_services): a backup file asked for until now is offered in it."""
        self._window = window
        self.activated.connect(self._raise_window)
        if self._pending:
            pending, self._pending = self._pending, []
            for path in pending:  # once the window has shown, so the question sits on top of it
                QTimer.singleShot(0, window, lambda path=path: self.open_requested.emit(str(path)))

    def offer_when_open(self, path: Path) -> None:
        """Offer restoring this backup file in the window once its desk is open."""
        if self._window is not None:
            self.open_requested.emit(str(path))
        else:
            self._pending.append(path)

    @Slot(str)
    def _offer(self, path: str) -> None:
        window = self._window
        if window is None:
            self._pending.append(Path(path))
            return
        self._raise_window()
        offer_restore(window, Path(path))

    @Slot()
    def _on_new_connection(self) -> None:
        assert self.server is not None
        while (sock := self.server.nextPendingConnection()) is not None:
            conn = sock
            log.debug("single instance: a second start connected")
            received = bytearray()
            done = [False]

            def on_ready(
                conn: QLocalSocket = conn, received: bytearray = received, done: list[bool] = done
            ) -> None:
                if done[0]:
                    return
                try:
                    received += bytes(conn.readAll().data())
                except RuntimeError:  # the socket went away with the server (the window closing)
                    return
                if not received.endswith(b"\n"):
                    return  # the rest of the message is on its way
                done[0] = True
                self._handle(bytes(received))
                conn.disconnectFromServer()

            conn.readyRead.connect(on_ready)
            # A second start writes and leaves at once: its words may be here already, or come with its leaving.
            conn.disconnected.connect(on_ready)
            conn.disconnected.connect(conn.deleteLater)
            if conn.bytesAvailable() > 0:
                on_ready()

    def _handle(self, message: bytes) -> None:
        if message.startswith(ACTIVATE.strip()):
            log.info("single instance: a second start handed over")
            self.activated.emit()
        elif message.startswith(OPEN):
            path = message[len(OPEN) :].decode("utf-8", "replace").strip()
            log.info("single instance: a second start handed over the backup file %s", path)
            self.activated.emit()
            # Not from inside the socket's signal: the question is a modal dialog with an event loop of its own.
            QTimer.singleShot(0, self, lambda: self.open_requested.emit(path))
        else:
            log.warning("single instance: a second start sent something unknown: %r", message[:80])

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


def claim_or_hand_over(root: Path, *, open_backup: Path | None = None) -> SingleInstance | None:
    """At start, before the profile is opened. None means: another window has it; exit quietly.

    open_backup: a backup file to offer restoring, in this window once its desk is open, or in the window
    handed over to. Needs a QApplication. If the owner does not answer (hung), the operator is told in plain
    words.
    """
    global _current
    guard = SingleInstance(root)
    if guard.claim():
        _current = guard
        if open_backup is not None:
            guard.offer_when_open(open_backup)
        return guard
    if guard.hand_over(open_backup):
        log.info("profile %s is open in another window; handed over", root)
        also = "，并在那个窗口中询问是否用这个备份恢复" if open_backup is not None else ""
        print(f"“{root}”已在另一个售后申诉工作台窗口中打开，已切换到那个窗口{also}。", flush=True)
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


def offer_restore(window: QWidget, archive: Path) -> None:
    """Ask, in the window, whether to restore this backup file: the same question as 工具 ▸ 恢复… (what the
    backup holds; the current data is first kept as a backup in the backups folder; a backup that does not
    check out changes nothing). Unsaved edits are asked about first. A file that cannot be read says why."""
    from ui.main_window import MainWindow
    from ui.tools.backup_dialog import confirm_and_restore

    if not isinstance(window, MainWindow):
        return
    log.info("offering to restore %s", archive)
    confirm_and_restore(window.feature_context, archive)
