"""店铺管理: the desk's shops with platform, return address, 退换货须知 and contact."""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import Changes, Platform, ShopData, ShopId
from ui.errors import APP_TITLE, ask
from ui.qt import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

SHOP_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ShopDialog(QDialog):
    """Create, edit and delete shops.

    Signals:
        changes_made(Changes): a shop was saved or deleted.
    """

    changes_made = Signal(object)

    def __init__(self, desk: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"店铺管理 — {APP_TITLE}")
        self.resize(720, 480)
        self._desk = desk
        self._runner = runner
        self._shops: list[ShopData] = []
        self._counts: dict[ShopId, int] = {}
        self._current: ShopId | None = None
        self._reads = 0  # the newest read of the list wins

        self.list = QListWidget()
        self.list.setMinimumWidth(200)
        self.list.currentItemChanged.connect(lambda item, _prev: self._show(item))
        self.new_button = QPushButton("新建店铺")
        self.new_button.clicked.connect(self.new_shop)
        self.delete_button = QPushButton("删除店铺")
        self.delete_button.clicked.connect(self.delete_shop)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)

        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.platform = QComboBox()
        for p in Platform:
            self.platform.addItem(str(p), p.value)
        self.address = QPlainTextEdit()
        self.address.setPlaceholderText("收件人、电话、详细地址（回复买家退货时使用）")
        self.address.setMaximumHeight(80)
        self.policy = QPlainTextEdit()
        self.policy.setPlaceholderText("例如：吊牌完好、未洗未穿；拒收到付件；请在包裹内写上订单号")
        self.contact = QLineEdit()
        self.contact.setMaxLength(200)
        self.contact.setPlaceholderText("店铺客服电话或旺旺、微信")
        self.info = QLabel()
        self.info.setStyleSheet("color: #666;")
        form = QFormLayout()
        form.addRow("店铺名称：", self.name)
        form.addRow("平台：", self.platform)
        form.addRow("退货地址：", self.address)
        form.addRow("退换货须知：", self.policy)
        form.addRow("联系方式：", self.contact)
        form.addRow("", self.info)
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addLayout(form, 1)
        right.addLayout(buttons)

        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.new_shop()  # until the list comes (a moment): an empty form, as when there are no shops
        self.reload()

    def reload(self, select: ShopId | None = None) -> None:
        """Re-read the shops and their case counts on the DB worker; then show `select` (or the one shown)."""
        self._reads += 1
        read = self._reads
        shops = self._desk.shops

        def shown(result: tuple[list[ShopData], dict[ShopId, int]]) -> None:
            if read == self._reads:
                self._fill(*result, select=select)

        Op(lambda: (shops.list(), shops.case_counts()), parent=self).on_success(shown).run(self._runner)

    def _fill(self, shops: list[ShopData], counts: dict[ShopId, int], *, select: ShopId | None) -> None:
        self._shops = sorted(shops, key=lambda s: (str(s.platform), s.name))
        self._counts = counts
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for shop in self._shops:
                item = QListWidgetItem(f"{shop.name}（{shop.platform}）")
                item.setData(SHOP_ID_ROLE, int(shop.id))
                self.list.addItem(item)
        finally:
            self.list.blockSignals(False)
        target = select if select is not None else self._current
        row = next((i for i, s in enumerate(self._shops) if s.id == target), 0 if self._shops else -1)
        if row >= 0:
            self.list.setCurrentRow(row)
            self._show(self.list.item(row))
        elif self._current is not None:
            self.new_shop()  # the shop shown is gone; already empty for a new one otherwise (kept as typed)

    def _show(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        shop = next((s for s in self._shops if int(s.id) == item.data(SHOP_ID_ROLE)), None)
        if shop is None:
            return
        self._current = shop.id
        self.name.setText(shop.name)
        self.platform.setCurrentIndex(max(0, self.platform.findData(shop.platform.value)))
        self.address.setPlainText(shop.return_address)
        self.policy.setPlainText(shop.return_policy)
        self.contact.setText(shop.contact)
        n = self._counts.get(shop.id, 0)
        self.info.setText(f"这个店铺有 {n} 条售后")
        self.delete_button.setEnabled(True)

    def new_shop(self) -> None:
        self._current = None
        self.list.clearSelection()
        for edit in (self.name, self.contact):
            edit.clear()
        self.address.clear()
        self.policy.clear()
        self.info.setText("填写后点“保存”新建店铺")
        self.delete_button.setEnabled(False)
        self.name.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "platform": self.platform.currentData(),
            "return_address": self.address.toPlainText(),
            "return_policy": self.policy.toPlainText(),
            "contact": self.contact.text(),
        }

    def save(self) -> None:
        values = self.values()
        shops = self._desk.shops
        current = self._current
        if current is None:
            name, platform = values.pop("name"), Platform(values.pop("platform"))
            op: Op[tuple[ShopData, Changes]] = Op(lambda: shops.create(name, platform, **values), parent=self)
        else:
            op = Op(lambda: shops.update(current, **values), parent=self)

        def saved(result: tuple[ShopData, Changes]) -> None:
            shop, changes = result
            self._current = shop.id  # a second 保存 before the list is back updates this shop
            self.changes_made.emit(changes)
            self.reload(select=shop.id)

        op.on_success(saved).run(self._runner)

    def delete_shop(self) -> None:
        """Ask (naming the shop and how many cases it has, as stored now), then delete it."""
        current = self._current
        if current is None:
            return
        shops = self._desk.shops

        def ask_then_delete(result: tuple[ShopData, int]) -> None:
            shop, n = result
            choice = ask(
                self,
                f"删除店铺“{shop.name}”？",
                ["删除", "取消"],
                informative=f"它的 {n} 条售后会保留，只是不再属于任何店铺。" if n else "这个店铺没有售后。",
            )
            if choice != 0:
                return

            def deleted(changes: Changes) -> None:
                self.new_shop()  # the next shop in the list is shown once it is read again
                self.changes_made.emit(changes)
                self.reload()

            Op(lambda: shops.delete(current), parent=self).on_success(deleted).run(self._runner)

        Op(lambda: (shops.get(current), shops.case_counts().get(current, 0)), parent=self).on_success(
            ask_then_delete
        ).run(self._runner)
