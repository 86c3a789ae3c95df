"""Render the desk offscreen on a fresh demo profile and save PNG screenshots to docs/screenshots/."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def isolate_fonts(workdir: Path) -> None:
    """Let Qt see only DejaVu (no CJK), so the shots prove the bundled font is what renders Chinese."""
    conf = workdir / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        "  <dir>/usr/share/fonts/truetype/dejavu</dir>\n"
        f"  <cachedir>{workdir / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    os.environ["FONTCONFIG_FILE"] = str(conf)


def make_demo(profile: Path) -> None:
    """The CLI's demo data: shops, every case type, evidence images."""
    subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), "demo"], cwd=REPO, check=True, timeout=300
    )


def shoot_viewer(desk: Any, window: Any, pump: Callable[..., None], out: Path) -> None:
    """The evidence viewer on a goods-with-label photo: the receiver's phone and address blacked out."""
    from desk.domain import EvidenceKind, Mark, MarkShape

    found = [
        (case_id, e)
        for case_id in desk.cases.list_ids()
        for e in desk.evidence.list(case_id)
        if e.kind == EvidenceKind.GOODS_WITH_LABEL
    ]
    if not found:
        return
    case_id, item = found[0]
    desk.evidence.set_marks(
        item.id,
        [
            Mark(MarkShape.REDACT, 0.625, 0.455, 0.915, 0.56),  # 收件人电话与地址
            Mark(MarkShape.BOX, 0.62, 0.395, 0.87, 0.445),  # 快递单号
            Mark(MarkShape.ARROW, 0.42, 0.2, 0.61, 0.4),
            Mark(MarkShape.TEXT, 0.2, 0.12, 0.2, 0.12, "单号与售后记录一致"),
        ],
    )
    window.select_case(case_id)
    pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
    panel = window.panel
    item = next(e for e in panel.model.items() if e.id == item.id)
    viewer = panel.open_viewer(item)
    assert viewer is not None
    viewer.resize(1000, 760)
    viewer.set_tool("redact")
    pump(30, lambda: viewer.loaded)
    viewer.canvas.selected = 0  # the redaction, outlined as the operator just drew it
    viewer.canvas.update()
    pump(0.3)
    viewer.grab().save(str(out))
    viewer.close()


def start(args: argparse.Namespace) -> tuple[Path, Path, Any, Callable[..., None]]:
    """A fresh demo profile in a temporary folder and the application, offscreen, with the fonts isolated
    unless asked; returns the folder, the profile, the app and pump(seconds, until=None)."""
    workdir = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not args.system_fonts:
        isolate_fonts(workdir)
    sys.path.insert(0, str(REPO))
    profile = workdir / "演示资料"
    make_demo(profile)
    from ui.app import setup_application

    app = setup_application([sys.argv[0]])

    def pump(seconds: float, until: Callable[[], bool] | None = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            if until is not None and until():
                return
            time.sleep(0.01)
        if until is not None:
            raise SystemExit("timed out waiting for the window")

    return workdir, profile, app, pump


def arguments(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--system-fonts", action="store_true", help="use the machine's fonts as they are")
    return parser.parse_args()


def main() -> int:
    args = arguments(__doc__)
    workdir, profile, _app, pump = start(args)

    from desk.app import open_desk
    from ui.main_window import MainWindow
    from ui.qt import QPdfDocument, QSettings
    from ui.tasks import TaskRunner

    desk = open_desk(profile)
    runner = TaskRunner()
    settings = QSettings(str(workdir / "ui.ini"), QSettings.Format.IniFormat)  # never the user's own
    window = MainWindow(desk, runner=runner, settings=settings, demo=True)
    window.resize(*SIZE)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        # The case with the most evidence makes the fullest picture.
        ids = desk.cases.list_ids()
        case_id = max(ids, key=lambda i: (len(desk.evidence.list(i)), -ids.index(i)))
        window.select_case(case_id)
        pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
        panel = window.panel
        panel.view.setCurrentIndex(panel.model.index_of(panel.model.items()[0].id))
        pump(20, lambda: bool(panel.model.items()) and panel.thumbnails_shown())
        pump(0.3)
        window.grab().save(str(args.out / "main.png"))
        shoot_viewer(desk, window, pump, args.out / "viewer.png")
        window.select_case(case_id)
        pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
        pump(0.3)

        form = window.form
        form.grab().save(str(args.out / "case_form.png"))
        form.tabs.setCurrentIndex(1)
        pump(0.3)
        form.grab().save(str(args.out / "timeline.png"))
        form.tabs.setCurrentIndex(0)

        window.new_case()
        form.fields["order_no"].setText("12345")  # type: ignore[attr-defined]
        pump(1.0, lambda: "拼多多订单号" in form.warning_label.text())
        window.grab().save(str(args.out / "new_case.png"))
        form.revert()
        window.select_case(case_id)
        pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker

        # 申诉前检查: a case not yet ready for the platform opens the checklist instead of a packet.
        unready = next((i for i in ids if not desk.packets.readiness(i).ok), None)
        if unready is not None:
            window.select_case(unready)
            pump(10, lambda: window.form.case_id == unready)
            window.generate_packet()
            pump(60, lambda: window.readiness_dialog is not None and window.readiness_dialog.isVisible())
            check = window.readiness_dialog
            assert check is not None
            pump(0.3)
            check.grab().save(str(args.out / "readiness.png"))
            check.close()
        window.select_case(case_id)
        pump(10, lambda: window.form.case_id == case_id)

        # 平台看到的处理经过: the story the platform reads, one entry reworded for it.
        from ui.packet.story_dialog import StoryDialog

        story = StoryDialog(desk, runner, case_id, parent=window)
        story.show()
        pump(10, lambda: story.table.rowCount() > 0)
        pump(0.3)
        story.grab().save(str(args.out / "story.png"))
        story.close()

        window.generate_packet(draft=not desk.packets.readiness(case_id).ok)

        def preview_ready() -> bool:
            p = window.preview
            return p is not None and p.document.status() == QPdfDocument.Status.Ready

        pump(120, preview_ready)
        preview = window.preview
        assert preview is not None
        preview.resize(1000, 800)
        pump(60, lambda: preview.thumbnails_ready >= preview.page_count())  # rendered by a worker
        pump(2.0)  # QPdfView renders pages on its own thread
        preview.grab().save(str(args.out / "preview.png"))
        preview.close()

        # The wizard at its outcome: the missing-item case walked to its weight-backed appeal, its 退款金额
        # not recorded yet so the page asks for it (put back after the shot).
        refund = desk.cases.get(case_id).refund_amount
        desk.cases.update(case_id, refund_amount=None)
        desk.wizard.run_answers(case_id, [1, 0, 1, 2])
        window.select_case(case_id)
        pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
        pump(0.3)
        window.features.wizard.open_wizard()
        from ui.wizard.wizard_dialog import WizardDialog

        wizard = window.findChildren(WizardDialog)[-1]
        wizard.resize(1100, 760)
        pump(10, lambda: wizard.view is not None)
        pump(0.5)
        wizard.claim_edit.setText("59.00")  # typed, as the operator would
        pump(0.2)
        wizard.grab().save(str(args.out / "wizard.png"))
        wizard.close()
        desk.wizard.restart(case_id)
        desk.cases.update(case_id, refund_amount=refund)

        # The upload kit of the same case: the budget meter against the platform's limits.
        from ui.packet.upload_kit_dialog import UploadKitDialog

        kit = UploadKitDialog(desk, runner, case_id, parent=window)
        kit.show()
        pump(10, lambda: kit.check is not None)
        pump(0.3)
        kit.grab().save(str(args.out / "upload_kit.png"))
        kit.close()

        from screenshots_cases import shoot_cases  # list, queues, bulk bar, money, shops, platforms

        for shot in shoot_cases(desk, window, pump, args.out):
            print(shot)

        from screenshots_orders import shoot_orders  # orders, products, import, weight check

        for shot in shoot_orders(desk, window, pump, args.out, workdir):
            print(shot)

        from screenshots_recognition import shoot_recognition  # pictures read: move offer, weights offered

        for shot in shoot_recognition(desk, window, pump, args.out):
            print(shot)
    finally:
        window.form.revert()
        window.close()
        runner.shutdown(wait=True)
        desk.close()
    for name in (
        "main",
        "viewer",
        "case_form",
        "timeline",
        "new_case",
        "readiness",
        "story",
        "preview",
        "wizard",
    ):
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
