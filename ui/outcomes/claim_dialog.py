"""快递理赔…: the case's courier claims (number, courier, status, money) and their claim packet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.domain import CaseId, Changes, ClaimStatus
from desk.services.outcomes import ClaimPacketResult, CourierClaimData
from ui.outcomes.entries import EntriesDialog, check_money, combo_of, day_text, line, money_cell
from ui.qt import QDesktopServices, QFormLayout, QHBoxLayout, QPushButton, QUrl, QWidget
from ui.tasks import Op

if TYPE_CHECKING:
    from desk.services.outcomes import OutcomeService
    from ui.tasks import TaskRunner


def open_folder(folder: Path) -> bool:
    """Show a folder in the system's file manager (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class ClaimDialog(EntriesDialog):
    """The case's courier claims; 生成理赔材料 builds the chosen claim's packet."""

    title_text = "快递理赔"
    headers = ("理赔单号", "快递公司", "状态", "索赔金额", "赔付金额", "提交日期", "备注")
    what = "快递理赔"

    def __init__(
        self, outcomes: OutcomeService, runner: TaskRunner, case_id: CaseId, parent: QWidget | None = None
    ) -> None:
        self.outcomes = outcomes
        self.last_packet: ClaimPacketResult | None = None
        super().__init__(runner, case_id, parent)

    def _build_fields(self, form: QFormLayout) -> None:
        self.claim_no_edit = line("快递公司给的理赔单号")
        self.courier_edit = line("留空：按售后的快递公司")
        self.status_combo = combo_of(tuple(ClaimStatus))
        self.claimed_edit = line("0.00", 16)
        self.paid_edit = line("0.00；赔付后填写", 16)
        self.note_edit = line("", 2000)
        form.addRow("理赔单号：", self.claim_no_edit)
        form.addRow("快递公司：", self.courier_edit)
        form.addRow("理赔状态：", self.status_combo)
        form.addRow("索赔金额：", self.claimed_edit)
        form.addRow("赔付金额：", self.paid_edit)
        form.addRow("备注：", self.note_edit)

    def _extra_buttons(self, row: QHBoxLayout) -> None:
        self.packet_button = QPushButton("生成理赔材料")
        self.packet_button.setToolTip("用这条售后的称重图、快递内网重量图等证据，生成给快递公司的理赔 PDF")
        self.packet_button.setAutoDefault(False)
        self.packet_button.clicked.connect(self.make_packet)
        row.addWidget(self.packet_button)

    def _on_entry_changed(self) -> None:
        self.packet_button.setEnabled(self.editing is not None)
        self.packet_button.setToolTip(
            "用这条售后的称重图、快递内网重量图等证据，生成给快递公司的理赔 PDF"
            if self.editing is not None
            else "先在上面选中（或添加）一条理赔"
        )

    def _texts(self) -> dict[str, str]:
        return {
            "claim_no": self.claim_no_edit.text().strip(),
            "courier": self.courier_edit.text().strip(),
            "status": str(self.status_combo.currentData()),
            "amount_claimed": self.claimed_edit.text().strip(),
            "amount_paid": self.paid_edit.text().strip(),
            "note": self.note_edit.text().strip(),
        }

    def _show(self, entry: Any | None) -> None:
        c: CourierClaimData | None = entry
        self.claim_no_edit.setText(c.claim_no if c is not None else "")
        self.courier_edit.setText(c.courier if c is not None else "")
        status = c.status if c is not None else ClaimStatus.FILED
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(status.value)))
        amount = lambda v: f"{v:.2f}" if v is not None else ""  # noqa: E731
        self.claimed_edit.setText(amount(c.amount_claimed) if c is not None else "")
        self.paid_edit.setText(amount(c.amount_paid) if c is not None else "")
        self.note_edit.setText(c.note if c is not None else "")

    def _row(self, entry: Any) -> Sequence[str]:
        c: CourierClaimData = entry
        return (
            c.claim_no,
            c.courier,
            str(c.status),
            money_cell(c.amount_claimed),
            money_cell(c.amount_paid),
            day_text(c.filed_at),
            c.note,
        )

    def _values(self, texts: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, text in texts.items():
            if key == "amount_claimed":
                values[key] = check_money(text, "索赔金额")
            elif key == "amount_paid":
                values[key] = check_money(text, "赔付金额")
            elif key == "courier":
                if text or self.editing is not None:
                    values[key] = text
            else:
                values[key] = text
        return values

    def _list(self) -> list[CourierClaimData]:
        return self.outcomes.claims(self.case_id)

    def _add(self, values: dict[str, Any]) -> tuple[CourierClaimData, Changes]:
        return self.outcomes.record_claim(self.case_id, **values)

    def _update(self, entry: Any, values: dict[str, Any]) -> tuple[CourierClaimData, Changes]:
        return self.outcomes.update_claim(entry.id, **values)

    def _remove(self, entry: Any) -> Changes:
        return self.outcomes.remove_claim(entry.id)

    def _name(self, entry: Any) -> str:
        c: CourierClaimData = entry
        return f"这条快递理赔（{c.courier + '，' if c.courier else ''}{c.name}）"

    # -- the claim packet ----------------------------------------------------------------------------

    def make_packet(self) -> None:
        """Build the chosen claim's PDF on the DB worker, with progress, then show its folder."""
        claim = self.editing
        if claim is None or self.busy:
            return
        outcomes = self.outcomes
        self.busy = True
        self.packet_button.setEnabled(False)
        self._set_error("")

        def build(progress: Any, cancel: Any) -> ClaimPacketResult:
            progress(0, 1, "")
            result = outcomes.claim_packet(claim.id)
            progress(1, 1, result.path.name)
            return result

        def built(result: ClaimPacketResult) -> None:
            self.last_packet = result
            self.changes_made.emit(result.changes)
            warned = f"（{'；'.join(result.warnings)}）" if result.warnings else ""
            self.status_message.emit(f"已生成理赔材料 {result.path.name}，共 {result.page_count} 页{warned}")
            if not open_folder(result.path.parent):
                self._set_error(f"理赔材料已保存在“{result.path.parent}”，但无法打开这个文件夹")

        def failed(exc: BaseException) -> None:
            message = getattr(exc, "message", None) or str(exc)
            self._set_error(f"未能生成理赔材料：{message}")

        def finished() -> None:
            self.busy = False
            self._on_entry_changed()

        Op(build).with_progress(self, "正在生成理赔材料…").on_success(built).on_failure(failed).on_done(
            finished
        ).run(self.runner)
