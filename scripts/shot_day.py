"""The operator's day, offscreen on a fresh demo profile: the window opening on 今日 with the reminder
summary (today.png), reminders of deadlines coming up with 提醒设置 (reminders.png), 记录申诉结果 (outcomes.png), 快递理赔 (claim.png) and 统计 (stats.png,
stats_months.png, via scripts/shot_stats.py). A few decisions and a claim are recorded first, the way an
operator would after the platform answered, so the money columns and win rates have something to show.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def record_some_outcomes(desk: object) -> None:
    from desk.domain import AppealResult, CaseType, ClaimStatus

    d: object = desk
    ids = d.cases.list_ids()  # type: ignore[attr-defined]
    cases = [d.cases.get(i) for i in ids]  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    for done, c in enumerate(cases[:3]):
        result = (AppealResult.WON, AppealResult.PARTIAL, AppealResult.REJECTED)[done]
        amount = {
            AppealResult.WON: c.refund_amount or Decimal("25.00"),
            AppealResult.PARTIAL: Decimal("10.00"),
        }
        d.outcomes.record_appeal(  # type: ignore[attr-defined]
            c.id,
            appeal_kind="goods",
            result=result,
            submitted_at=now - timedelta(days=5 + done),
            decided_at=now - timedelta(days=1 + done),
            amount_returned=amount.get(result),
            note="",
        )
    missing = next((c for c in cases if c.case_type == CaseType.MISSING_ITEM), cases[0])
    d.outcomes.record_claim(  # type: ignore[attr-defined]
        missing.id,
        claim_no="LP2026112900318",
        status=ClaimStatus.PAID,
        filed_at=now - timedelta(days=6),
        amount_claimed=Decimal("39.90"),
        amount_paid=Decimal("39.90"),
        paid_at=now - timedelta(days=2),
    )


def shoot_reminders(window: object, desk: object, pump: object, out: object) -> None:
    """reminders.png: the window with the notice of deadlines coming up (as it shows without a system tray;
    with one, the same lines come as a desktop notification) and 工具 ▸ 提醒设置… beside it."""
    from desk.reminders import Reminder
    from ui.qt import QColor, QImage, QPainter, QPoint
    from ui.reminders import ReminderSettingsDialog

    now = datetime.now(UTC)
    feature = window.features.reminders  # type: ignore[attr-defined]
    rows = [desk.cases.get(i) for i in desk.cases.list_ids()[:3]]  # type: ignore[attr-defined]
    coming = [
        Reminder(c.id, now + timedelta(minutes=m), c.order_no, 60 if m <= 60 else 240, timedelta(minutes=m))
        for c, m in zip(rows, (35, 110, 230), strict=False)
    ]
    feature.notices.show(coming, [], 0, opening=False)
    feature.settings_action.trigger()
    pump(2)  # type: ignore[operator]
    dialog = window.findChild(ReminderSettingsDialog)  # type: ignore[attr-defined]
    shot = window.grab().toImage()  # type: ignore[attr-defined]
    settings_shot = dialog.grab().toImage()
    canvas = QImage(shot.width(), shot.height(), QImage.Format.Format_RGB32)
    painter = QPainter(canvas)
    painter.drawImage(QPoint(0, 0), shot)
    # The dialog over the window's middle, as it opens there.
    x, y = (shot.width() - settings_shot.width()) // 2, 120
    painter.drawImage(QPoint(x, y), settings_shot)
    painter.setPen(QColor("#888888"))
    painter.drawRect(x - 1, y - 1, settings_shot.width() + 1, settings_shot.height() + 1)
    painter.end()
    path = out / "reminders.png"  # type: ignore[operator]
    canvas.save(str(path))
    dialog.close()
    print(path)


def main() -> int:
    from screenshots import SIZE, arguments, start
    from shot_stats import shoot_stats

    args = arguments(__doc__)
    workdir, profile, _app, pump = start(args)

    from desk.app import open_desk
    from ui.main_window import MainWindow
    from ui.qt import QSettings
    from ui.tasks import TaskRunner

    desk = open_desk(profile)
    record_some_outcomes(desk)
    runner = TaskRunner()
    settings = QSettings(str(workdir / "ui.ini"), QSettings.Format.IniFormat)  # never the user's own
    window = MainWindow(desk, runner=runner, settings=settings, demo=True, start_today=True)
    window.resize(*SIZE)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        pump(3)  # counts, the 今日 list and the opening summary of reminders come from the workers
        window.grab().save(str(args.out / "today.png"))
        print(args.out / "today.png")
        shoot_reminders(window, desk, pump, args.out)
        outcomes = window.features.outcomes
        case_id = next(i for i in desk.cases.list_ids() if desk.outcomes.appeals(i))
        window.select_case(case_id)
        pump(10, lambda: window.form.opening is None)
        for name, opener, attr in (
            ("outcomes", outcomes.open_appeals, "appeal_dialog"),
            ("claim", outcomes.open_claims, "claim_dialog"),
        ):
            target = (
                case_id
                if name == "outcomes"
                else next(i for i in desk.cases.list_ids() if desk.outcomes.claims(i))
            )
            opener(target)
            pump(10, lambda a=attr: getattr(outcomes.state, a) is not None)
            pump(1)
            dialog = getattr(outcomes.state, attr)
            dialog.grab().save(str(args.out / f"{name}.png"))
            dialog.close()
            print(args.out / f"{name}.png")
        for shot in shoot_stats(desk, runner, pump, args.out):
            print(shot)
    finally:
        window.close()
        runner.shutdown(wait=True)
        desk.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
