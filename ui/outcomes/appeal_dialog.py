"""记录申诉结果…: the platform's decision on each appeal of a case (result, day, money returned)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desk.domain import AppealResult, CaseId, Changes
from desk.services.outcomes import AppealOutcomeData
from ui.outcomes.entries import (
    EntriesDialog,
    check_day,
    check_money,
    combo_of,
    day_text,
    line,
    money_cell,
    today_text,
)
from ui.qt import QFormLayout, QWidget

if TYPE_CHECKING:
    from desk.services.outcomes import OutcomeService
    from ui.tasks import TaskRunner

# The decisions first (what the operator comes to record), 等待结果 last.
RESULTS = (AppealResult.WON, AppealResult.PARTIAL, AppealResult.REJECTED, AppealResult.PENDING)


class AppealDialog(EntriesDialog):
    """The case's appeals and their decisions."""

    title_text = "申诉结果"
    headers = ("申诉类型", "提交日期", "结果", "结果日期", "追回金额", "备注")
    what = "申诉结果"

    def __init__(
        self, outcomes: OutcomeService, runner: TaskRunner, case_id: CaseId, parent: QWidget | None = None
    ) -> None:
        self.outcomes = outcomes
        super().__init__(runner, case_id, parent)

    def _build_fields(self, form: QFormLayout) -> None:
        self.result_combo = combo_of(RESULTS)
        self.result_combo.currentIndexChanged.connect(self._on_result)
        self.kind_edit = line("留空：按售后的申诉类型（如 货款申诉、运费申诉）")
        self.submitted_edit = line("如 2026-12-01；可留空")
        self.decided_edit = line("如 2026-12-05")
        self.amount_edit = line("0.00；驳回时留空", 16)
        self.note_edit = line("", 2000)
        form.addRow("申诉结果：", self.result_combo)
        form.addRow("结果日期：", self.decided_edit)
        form.addRow("追回金额：", self.amount_edit)
        form.addRow("申诉类型：", self.kind_edit)
        form.addRow("提交日期：", self.submitted_edit)
        form.addRow("备注：", self.note_edit)

    def _on_result(self, *_args: object) -> None:
        decided = self.result_combo.currentData() != AppealResult.PENDING.value
        # No decision yet: neither its day nor money back can be known.
        self.decided_edit.setEnabled(decided)
        self.amount_edit.setEnabled(
            decided and self.result_combo.currentData() != AppealResult.REJECTED.value
        )

    def _texts(self) -> dict[str, str]:
        result = str(self.result_combo.currentData())
        decided = result != AppealResult.PENDING.value
        return {
            "result": result,
            "decided_at": self.decided_edit.text().strip() if decided else "",
            "amount_returned": self.amount_edit.text().strip() if self.amount_edit.isEnabled() else "",
            "appeal_kind": self.kind_edit.text().strip(),
            "submitted_at": self.submitted_edit.text().strip(),
            "note": self.note_edit.text().strip(),
        }

    def _show(self, entry: Any | None) -> None:
        a: AppealOutcomeData | None = entry
        result = a.result if a is not None else AppealResult.WON
        self.result_combo.setCurrentIndex(max(0, self.result_combo.findData(result.value)))
        self.decided_edit.setText(day_text(a.decided_at) if a is not None else today_text())
        self.amount_edit.setText(
            f"{a.amount_returned:.2f}" if a is not None and a.amount_returned is not None else ""
        )
        self.kind_edit.setText(a.kind_label if a is not None and a.appeal_kind else "")
        self.submitted_edit.setText(day_text(a.submitted_at) if a is not None else "")
        self.note_edit.setText(a.note if a is not None else "")
        self._on_result()

    def _row(self, entry: Any) -> Sequence[str]:
        a: AppealOutcomeData = entry
        return (
            a.kind_label or "通用申诉",
            day_text(a.submitted_at),
            str(a.result),
            day_text(a.decided_at),
            money_cell(a.amount_returned),
            a.note,
        )

    def _values(self, texts: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, text in texts.items():
            if key == "amount_returned":
                values[key] = check_money(text, "追回金额")
            elif key == "decided_at":
                values[key] = check_day(text, "结果日期")
            elif key == "submitted_at":
                values[key] = check_day(text, "提交日期")
            elif key == "appeal_kind":
                if text or self.editing is not None:
                    values[key] = text
            else:
                values[key] = text
        return values

    def _list(self) -> list[AppealOutcomeData]:
        return self.outcomes.appeals(self.case_id)

    def _add(self, values: dict[str, Any]) -> tuple[AppealOutcomeData, Changes]:
        return self.outcomes.record_appeal(self.case_id, **values)

    def _update(self, entry: Any, values: dict[str, Any]) -> tuple[AppealOutcomeData, Changes]:
        return self.outcomes.update_appeal(entry.id, **values)

    def _remove(self, entry: Any) -> Changes:
        return self.outcomes.remove_appeal(entry.id)

    def _name(self, entry: Any) -> str:
        a: AppealOutcomeData = entry
        return f"这条申诉结果（{a.kind_label or '通用申诉'}：{a.result}）"
