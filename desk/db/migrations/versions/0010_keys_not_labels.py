"""Keys, not labels: enum columns keep keys, timeline entries keep structured payloads, platform facts get
columns, the appeal kind is a key.

Before this revision the database held what the operator read: "漏发少件" in ``cases.case_type``, "新建售后：
质量问题" in an event's detail, "维权申诉 · 货款申诉" in ``cases.appeal_type``, and the after-sales export's
facts inside a 【平台售后】 line of the operator's notes. This revision converts every one of them; the words
now come from desk.labels. The label tables below are frozen copies of that release's words: a migration
must read the data as it was written, whatever desk.labels says later.

Revision ID: 0010_keys
Revises: 0009_undo_log
Create Date: 2026-12-05
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010_keys"
down_revision = "0009_undo_log"
branch_labels = None
depends_on = None

PLATFORM = {
    "拼多多": "PDD",
    "淘宝/天猫": "TAOBAO",
    "京东": "JD",
    "抖店": "DOUYIN",
    "快手": "KUAISHOU",
    "微信小店": "WECHAT",
    "其他": "OTHER",
}
CASE_TYPE = {
    "漏发少件": "MISSING_ITEM",
    "发错商品": "WRONG_ITEM",
    "质量问题": "QUALITY",
    "不想要了": "UNWANTED",
    "恶意售后": "MALICIOUS",
}
CASE_STATUS = {
    "待处理": "OPEN",
    "协商中": "NEGOTIATING",
    "等待退货": "WAITING_RETURN",
    "等待快递回复": "WAITING_COURIER",
    "已补发": "RESHIPPED",
    "已退款": "REFUNDED",
    "申诉中": "APPEALING",
    "已提交申诉": "APPEAL_SUBMITTED",
    "申诉成功": "APPEAL_WON",
    "申诉失败": "APPEAL_LOST",
    "已结案": "CLOSED",
}
RESOLUTION = {
    "未定": "NONE",
    "补发": "RESHIP",
    "补差价": "COMPENSATE",
    "换货": "EXCHANGE",
    "退货退款": "RETURN_REFUND",
    "仅退款": "REFUND_ONLY",
    "维修": "REPAIR",
    "驳回": "REJECT",
    "申诉": "APPEAL",
    "快递理赔": "COURIER_CLAIM",
    "买家撤销": "WITHDRAWN",
}
EVIDENCE_KIND = {
    "仓库称重图": "WAREHOUSE_WEIGHT",
    "快递内网重量图": "COURIER_WEIGHT",
    "复称图": "REWEIGH",
    "买家照片": "BUYER_PHOTO",
    "聊天截图": "CHAT",
    "发货商品与面单合照": "GOODS_WITH_LABEL",
    "物流凭证": "LOGISTICS_VOUCHER",
    "运费凭证": "FREIGHT_VOUCHER",
    "其他": "OTHER",
}
WEIGHT_KIND = {
    "仓库称重": "WAREHOUSE",
    "快递揽收重量": "COURIER_PICKUP",
    "快递上车重量": "COURIER_LOAD",
    "快递下车重量": "COURIER_UNLOAD",
    "复称": "REWEIGH",
}
APPEAL_KIND = {
    "维权申诉 · 货款申诉": "goods",
    "维权申诉 · 运费申诉": "freight",
    "维权申诉 · 纠纷退款率申诉": "dispute_rate",
    "通用申诉": "",
}
COLUMNS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("shops", "platform", PLATFORM),
    ("cases", "platform", PLATFORM),
    ("cases", "case_type", CASE_TYPE),
    ("cases", "status", CASE_STATUS),
    ("cases", "resolution", RESOLUTION),
    ("orders", "platform", PLATFORM),
    ("evidence", "kind", EVIDENCE_KIND),
    ("weight_records", "kind", WEIGHT_KIND),
)
# Timeline fields whose old/new held labels.
EVENT_FIELDS = {
    "platform": PLATFORM,
    "case_type": CASE_TYPE,
    "status": CASE_STATUS,
    "resolution": RESOLUTION,
    "evidence.kind": EVIDENCE_KIND,
}
VIEW_KEYS = {"platforms": PLATFORM, "case_types": CASE_TYPE, "statuses": CASE_STATUS}

PLATFORM_LINE = "【平台售后】"
# The line's parts and the columns they move to (退款类型/原因 already had columns of their own).
FACT_COLUMNS = {
    "售后状态": "platform_status",
    "订单状态": "platform_order_status",
    "申请时间": "applied_at",
    "退货运单号": "return_tracking_no",
    "退货物流状态": "return_logistics_status",
    "sku信息": "sku_info",
    "备注": "platform_remark",
    "退款类型": "after_sales_type",
    "退款原因": "after_sales_reason",
}
FACT_LIMITS = {
    "platform_status": 64,
    "platform_order_status": 64,
    "return_tracking_no": 64,
    "return_logistics_status": 64,
    "after_sales_type": 32,
    "after_sales_reason": 64,
}
CHINA = timezone(timedelta(hours=8))
_PACKET_DETAIL = re.compile(
    r"^(?P<pages>\d+) 页(?:｜SHA-256 (?P<sha>[0-9a-f]+))?(?:｜申诉类型 (?P<kind>.*))?$"
)
_EVIDENCE_DETAIL = re.compile(r"^(?P<kind>[^｜]*)(?:｜SHA-256 (?P<sha>[0-9a-f]+))?$")
_WEIGHT_NOTE = re.compile(r"^记录重量：(?P<kind>\S+) (?P<grams>[\d,]+) g(?:（证据“(?P<evidence>.*)”）)?$")
_PAUSED = re.compile(r"^“(?P<status>.+)”期间截止时间暂停计时$")
_RESUMED_FOR = re.compile(r"^恢复计时（暂停了 (?P<held>.+)）$")
_REASONS = {
    "撤销批量修改": "undo_bulk",
    "重新打开": "reopen",
    "撤销删除：从回收站恢复": "undo_trash",
    "撤销恢复：移回回收站": "undo_restore",
}


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""


def upgrade() -> None:
    bind = op.get_bind()
    # Plain ALTER TABLE … ADD COLUMN on both databases: rebuilding `cases` on SQLite would cost its
    # search triggers and, with foreign keys on, cascade a DROP into every timeline and evidence row.
    for name, type_ in (
        ("platform_status", sa.String(length=64)),
        ("platform_order_status", sa.String(length=64)),
        ("return_tracking_no", sa.String(length=64)),
        ("return_logistics_status", sa.String(length=64)),
        ("sku_info", sa.Text()),
        ("platform_remark", sa.Text()),
    ):
        op.add_column("cases", sa.Column(name, type_, server_default="", nullable=False))
    op.add_column("cases", sa.Column("applied_at", sa.DateTime(), nullable=True))
    op.add_column("events", sa.Column("data", sa.Text(), server_default="", nullable=False))
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE cases ALTER COLUMN resolution SET DEFAULT 'NONE'")
    # (SQLite keeps its column default '未定'; the desk always writes the column, and desk.db.types.KeyEnum
    # reads a stray label as its member.)

    for table, column, mapping in COLUMNS:
        for label, key in mapping.items():
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :key WHERE {column} = :label"),
                {"key": key, "label": label},
            )
    for label, key in APPEAL_KIND.items():
        bind.execute(
            sa.text("UPDATE cases SET appeal_type = :k WHERE appeal_type = :l"), {"k": key, "l": label}
        )
        bind.execute(sa.text("UPDATE packets SET kind = :k WHERE kind = :l"), {"k": key, "l": label})

    _convert_events(bind)
    _convert_views(bind)
    _move_platform_facts(bind)


def _convert_events(bind: Any) -> None:
    rows = bind.execute(sa.text("SELECT id, kind, field, old, new, detail FROM events")).all()
    for ev_id, kind, field, old, new, detail in rows:
        values: dict[str, Any] = {}
        data: dict[str, Any] = {}
        detail = detail or ""
        if kind == "field_changed":
            mapping = EVENT_FIELDS.get(field)
            if mapping is not None:
                values["old"] = mapping.get(old, old)
                values["new"] = mapping.get(new, new)
            if field == "due_paused_at" and (found := _PAUSED.match(detail)):
                data = {"reason": "clock_paused", "status": CASE_STATUS.get(found["status"], found["status"])}
            elif field == "due_paused_at" and detail == "恢复计时":
                data = {"reason": "clock_resumed"}
            elif field == "due_at" and (found := _RESUMED_FOR.match(detail)):
                data = {"reason": "clock_resumed", "held": found["held"]}
            elif detail in _REASONS:
                data = {"reason": _REASONS[detail]}
            elif field.startswith("evidence") and detail:
                data = {"evidence": detail}
            if data:
                values["detail"] = ""
        elif kind == "created" and detail.startswith("新建售后："):
            label = detail.removeprefix("新建售后：")
            data = {"case_type": CASE_TYPE.get(label, label)}
            values["detail"] = ""
        elif kind in ("evidence_added", "evidence_removed") and (found := _EVIDENCE_DETAIL.match(detail)):
            data = {"kind": EVIDENCE_KIND.get(found["kind"], found["kind"])}
            if found["sha"]:
                data["sha256_prefix"] = found["sha"]
            values["detail"] = ""
        elif kind == "packet_generated" and (found := _PACKET_DETAIL.match(detail)):
            data = {"pages": int(found["pages"])}
            if found["sha"]:
                data["sha256_prefix"] = found["sha"]
            if found["kind"]:
                data["appeal_kind"] = APPEAL_KIND.get(found["kind"], found["kind"])
            values["detail"] = ""
        elif kind in ("trashed", "restored"):
            data = {"reason": _REASONS[detail]} if detail in _REASONS else {}
            values["detail"] = ""
        elif kind == "note" and detail.startswith("处理流程："):
            values["kind"] = "wizard"
            data = {"action": "legacy"}
            values["detail"] = detail.removeprefix("处理流程：")
        elif kind == "note" and (found := _WEIGHT_NOTE.match(detail)):
            values["kind"] = "weight_recorded"
            data = {
                "kind": WEIGHT_KIND.get(found["kind"], found["kind"]),
                "grams": int(found["grams"].replace(",", "")),
            }
            if found["evidence"] is not None:
                data["evidence"] = found["evidence"]
            values["detail"] = ""
        if not values and not data:
            continue
        values["data"] = _dumps(data)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        bind.execute(sa.text(f"UPDATE events SET {sets} WHERE id = :id"), {**values, "id": ev_id})


def _convert_views(bind: Any) -> None:
    for view_id, raw in bind.execute(sa.text("SELECT id, filter_json FROM saved_views")).all():
        try:
            flt = json.loads(raw or "{}")
        except ValueError:
            continue
        if not isinstance(flt, dict):
            continue
        changed = False
        for key, mapping in VIEW_KEYS.items():
            items = flt.get(key)
            if isinstance(items, list):
                new = [mapping.get(x, x) if isinstance(x, str) else x for x in items]
                changed |= new != items
                flt[key] = new
        if changed:
            bind.execute(
                sa.text("UPDATE saved_views SET filter_json = :f WHERE id = :id"),
                {"f": json.dumps(flt, ensure_ascii=False, sort_keys=True), "id": view_id},
            )


def _move_platform_facts(bind: Any) -> None:
    rows = bind.execute(
        sa.text("SELECT id, notes, after_sales_type, after_sales_reason FROM cases WHERE notes LIKE :p"),
        {"p": f"%{PLATFORM_LINE}%"},
    ).all()
    for case_id, notes, type_, reason in rows:
        lines = notes.splitlines()
        facts: dict[str, Any] = {}
        kept = []
        for line in lines:
            if not line.startswith(PLATFORM_LINE):
                kept.append(line)
                continue
            for part in line.removeprefix(PLATFORM_LINE).split("；"):
                name, sep, value = part.partition("：")
                column = FACT_COLUMNS.get(name.strip())
                if not sep or column is None:
                    continue
                facts[column] = value.strip()
        if "applied_at" in facts:
            try:
                local = datetime.strptime(facts["applied_at"], "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
                facts["applied_at"] = local.astimezone(UTC).replace(tzinfo=None)
            except ValueError:
                del facts["applied_at"]
        # The case's own type/reason fields win over the line's copy.
        if type_:
            facts.pop("after_sales_type", None)
        if reason:
            facts.pop("after_sales_reason", None)
        for column, limit in FACT_LIMITS.items():
            if isinstance(facts.get(column), str):
                facts[column] = facts[column][:limit]
        facts["notes"] = "\n".join(kept)
        sets = ", ".join(f"{k} = :{k}" for k in facts)
        bind.execute(sa.text(f"UPDATE cases SET {sets} WHERE id = :id"), {**facts, "id": case_id})


def _events_back_to_words(bind: Any) -> None:
    """The words the older release kept in `detail`, rebuilt from the payloads it does not know."""
    appeal_words = {v: k for k, v in APPEAL_KIND.items()}
    weight_words = {v: k for k, v in WEIGHT_KIND.items()}
    rows = bind.execute(sa.text("SELECT id, kind, detail, data FROM events WHERE data != ''")).all()
    for ev_id, kind, detail, raw in rows:
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        new_kind, text = kind, detail
        if kind == "created" and data.get("case_type"):
            text = "新建售后：" + {v: k for k, v in CASE_TYPE.items()}.get(
                data["case_type"], data["case_type"]
            )
        elif kind in ("evidence_added", "evidence_removed") and data.get("kind"):
            text = {v: k for k, v in EVIDENCE_KIND.items()}.get(data["kind"], data["kind"])
            if data.get("sha256_prefix"):
                text += f"｜SHA-256 {data['sha256_prefix']}"
        elif kind == "packet_generated" and data.get("pages"):
            text = f"{data['pages']} 页｜SHA-256 {data.get('sha256_prefix', '')}"
            if "appeal_kind" in data:
                text += "｜申诉类型 " + (
                    appeal_words.get(data["appeal_kind"]) or data["appeal_kind"] or "通用申诉"
                )
        elif kind == "weight_recorded":
            new_kind = "note"
            text = f"记录重量：{weight_words.get(data.get('kind', ''), '')} {data.get('grams', '')} g"
        elif kind in ("wizard", "platform_synced"):
            new_kind = "note"
            text = ("处理流程：" if kind == "wizard" else "平台售后：") + (
                detail or str(data.get("outcome", ""))
            )
        bind.execute(
            sa.text("UPDATE events SET kind = :k, detail = :d WHERE id = :id"),
            {"k": new_kind, "d": text, "id": ev_id},
        )


def downgrade() -> None:
    bind = op.get_bind()
    # Facts go back into the notes line, keys back into labels; payloads are dropped with their column
    # (the words they would have produced are not rebuilt: the older release shows those entries bare).
    fact_names = {
        v: k for k, v in FACT_COLUMNS.items() if v not in ("after_sales_type", "after_sales_reason")
    }
    rows = bind.execute(
        sa.text(
            "SELECT id, notes, platform_status, platform_order_status, applied_at, return_tracking_no, "
            "return_logistics_status, sku_info, platform_remark FROM cases"
        )
    ).mappings()
    for row in list(rows):
        parts = []
        for column, name in fact_names.items():
            value = row[column]
            if column == "applied_at" and value is not None:
                when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
                value = when.replace(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            if value:
                parts.append(f"{name}：{value}")
        if parts:
            line = PLATFORM_LINE + "；".join(parts)
            notes = f"{row['notes']}\n{line}" if row["notes"] else line
            bind.execute(sa.text("UPDATE cases SET notes = :n WHERE id = :id"), {"n": notes, "id": row["id"]})
    for table, column, mapping in COLUMNS:
        for label, key in mapping.items():
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :label WHERE {column} = :key"),
                {"key": key, "label": label},
            )
    for field, mapping in EVENT_FIELDS.items():
        for label, key in mapping.items():
            for side in ("old", "new"):
                bind.execute(
                    sa.text(f"UPDATE events SET {side} = :l WHERE field = :f AND {side} = :k"),
                    {"l": label, "k": key, "f": field},
                )
    _events_back_to_words(bind)
    for label, key in APPEAL_KIND.items():
        if key:
            bind.execute(
                sa.text("UPDATE cases SET appeal_type = :l WHERE appeal_type = :k"), {"k": key, "l": label}
            )
            bind.execute(sa.text("UPDATE packets SET kind = :l WHERE kind = :k"), {"k": key, "l": label})
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE cases ALTER COLUMN resolution SET DEFAULT '未定'")
    op.drop_column("events", "data")
    for name in (
        "platform_status",
        "platform_order_status",
        "applied_at",
        "return_tracking_no",
        "return_logistics_status",
        "sku_info",
        "platform_remark",
    ):
        op.drop_column("cases", name)
