"""What the operator reads: every display string of the desk's vocabulary, in one place.

The database, the undo log and the events store keys (enum values such as ``"MISSING_ITEM"``, event kinds,
field names, ISO times); the window, the CLI and the PDF turn them into words here. Renaming a status is
an edit of this module, never a data migration.

This module imports nothing from the rest of the desk, so every layer may use it (``desk.domain``'s enums
call it for ``str()``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

# -- enums: class name → key → label ----------------------------------------------------------------------

ENUM_LABELS: dict[str, dict[str, str]] = {
    "Platform": {
        "PDD": "拼多多",
        "TAOBAO": "淘宝/天猫",
        "JD": "京东",
        "DOUYIN": "抖店",
        "KUAISHOU": "快手",
        "WECHAT": "微信小店",
        "OTHER": "其他",
    },
    "CaseType": {
        "MISSING_ITEM": "漏发少件",
        "WRONG_ITEM": "发错商品",
        "QUALITY": "质量问题",
        "UNWANTED": "不想要了",
        "MALICIOUS": "恶意售后",
    },
    "CaseStatus": {
        "OPEN": "待处理",
        "NEGOTIATING": "协商中",
        "WAITING_RETURN": "等待退货",
        "WAITING_COURIER": "等待快递回复",
        "RESHIPPED": "已补发",
        "REFUNDED": "已退款",
        "APPEALING": "申诉中",
        "APPEAL_SUBMITTED": "已提交申诉",
        "APPEAL_WON": "申诉成功",
        "APPEAL_LOST": "申诉失败",
        "CLOSED": "已结案",
    },
    "Resolution": {
        "NONE": "未定",
        "RESHIP": "补发",
        "COMPENSATE": "补差价",
        "EXCHANGE": "换货",
        "RETURN_REFUND": "退货退款",
        "REFUND_ONLY": "仅退款",
        "REPAIR": "维修",
        "REJECT": "驳回",
        "APPEAL": "申诉",
        "COURIER_CLAIM": "快递理赔",
        "WITHDRAWN": "买家撤销",
    },
    "EvidenceKind": {
        "WAREHOUSE_WEIGHT": "仓库称重图",
        "COURIER_WEIGHT": "快递内网重量图",
        "REWEIGH": "复称图",
        "BUYER_PHOTO": "买家照片",
        "CHAT": "聊天截图",
        "GOODS_WITH_LABEL": "发货商品与面单合照",
        "STORE_LISTING": "店铺在售商品截图",
        "LOGISTICS_VOUCHER": "物流凭证",
        "FREIGHT_VOUCHER": "运费凭证",
        "OTHER": "其他",
    },
    "WeightKind": {
        "WAREHOUSE": "仓库称重",
        "COURIER_PICKUP": "快递揽收重量",
        "COURIER_LOAD": "快递上车重量",
        "COURIER_UNLOAD": "快递下车重量",
        "REWEIGH": "复称",
    },
    "MarkShape": {
        "redact": "遮挡",
        "box": "方框",
        "arrow": "箭头",
        "text": "文字",
        "detail": "放大区域",
        "kept": "不遮挡",
    },
    "EventKind": {
        "created": "新建售后",
        "field_changed": "修改",
        "evidence_added": "添加证据",
        "evidence_removed": "删除证据",
        "packet_generated": "生成申诉材料",
        "note": "备注",
        "trashed": "移入回收站",
        "restored": "从回收站恢复",
        "wizard": "处理流程",
        "weight_recorded": "记录重量",
        "platform_synced": "平台售后导入",
        "appeal_outcome": "申诉结果",
        "courier_claim": "快递理赔",
        "buyer_recorded": "记录买家信息",
    },
    "AppealResult": {"PENDING": "等待结果", "WON": "申诉成功", "PARTIAL": "部分支持", "REJECTED": "申诉驳回"},
    "ClaimStatus": {
        "FILED": "已提交",
        "PROCESSING": "处理中",
        "PAID": "已赔付",
        "PARTIAL": "部分赔付",
        "REJECTED": "拒赔",
        "WITHDRAWN": "已撤回",
    },
    "BuyerKeyKind": {"NICK": "买家昵称", "BUYER_ID": "买家编号", "PHONE": "手机号", "ADDRESS": "收货地址"},
}
# Label → key, for what people type and what older files hold (user platform profiles, playbooks, CLI).
_BY_LABEL: dict[str, dict[str, str]] = {
    name: {label: key for key, label in table.items()} for name, table in ENUM_LABELS.items()
}


def enum_label(class_name: str, key: str) -> str:
    """The label of one enum key; an unknown key reads as itself (never a crash on old data)."""
    return ENUM_LABELS.get(class_name, {}).get(key, key)


def enum_key(class_name: str, text: str) -> str | None:
    """The key a label (or key, in any case) stands for, or None."""
    table = ENUM_LABELS.get(class_name, {})
    text = text.strip()
    if text in table:
        return text
    if text.upper() in table:
        return text.upper()
    return _BY_LABEL.get(class_name, {}).get(text)


def label(member: Any) -> str:
    """The label of an enum member of the desk's vocabulary."""
    return enum_label(type(member).__name__, str(member.value))


# -- appeal kinds ------------------------------------------------------------------------------------------

# The guide's appeals, by key; a platform profile's other appeal types are keyed by their own name.
APPEAL_KIND_LABELS: dict[str, str] = {
    "goods": "维权申诉 · 货款申诉",
    "freight": "维权申诉 · 运费申诉",
    "dispute_rate": "维权申诉 · 纠纷退款率申诉",
}
GENERIC_APPEAL = "通用申诉"


def appeal_kind_label(key: str) -> str:
    """Words of an appeal kind key: "" is the generic packet; a profile's own kind reads as its name."""
    if not key or key == "generic":
        return GENERIC_APPEAL
    return APPEAL_KIND_LABELS.get(key, key)


def appeal_kind_key(text: str) -> str:
    """The key of an appeal kind typed as words or as a key; a platform's own kind keeps its name."""
    text = " ".join(text.split())
    if text in ("", "generic", GENERIC_APPEAL):
        return ""
    if text in APPEAL_KIND_LABELS:
        return text
    return next((k for k, words in APPEAL_KIND_LABELS.items() if words == text), text)


# -- fields ------------------------------------------------------------------------------------------------

# Fields of a case the operator may edit, with the label the UI, the CLI and the timeline show.
CASE_FIELD_LABELS: dict[str, str] = {
    "platform": "平台",
    "shop_id": "店铺",
    "order_no": "订单号",
    "after_sales_no": "售后单号",
    "tracking_no": "快递单号",
    "courier": "快递公司",
    "return_tracking_no": "退货运单号",  # a platform fact the operator may type when the export lacks it
    "reship_tracking_no": "补发单号",
    "buyer_nick": "买家昵称",
    "case_type": "售后类型",
    "after_sales_type": "退款类型",
    "after_sales_reason": "退款原因",
    "status": "状态",
    "resolution": "处理方式",
    "appeal_type": "申诉类型",
    "due_at": "截止时间",
    "order_amount": "订单金额",
    "refund_amount": "退款金额",
    "agreed_compensation": "协商补偿金额",
    "refund_paid": "实退金额",
    "compensation_paid": "补差价",
    "reship_cost": "补发成本",
    "freight_paid": "运费支出",
    "recovered_appeal": "申诉追回",
    "recovered_courier": "快递赔付",
    "freight_insurance": "运费险",
    "express_refund": "极速退款",
    "description": "问题描述",
    "notes": "备注",
}
# Platform facts an after-sales export brings; the operator reads them, the import keeps them current.
PLATFORM_FACT_LABELS: dict[str, str] = {
    "platform_status": "售后状态",
    "platform_order_status": "订单状态",
    "applied_at": "售后申请时间",
    "return_tracking_no": "退货运单号",
    "return_logistics_status": "退货物流状态",
    "sku_info": "sku信息",
    "platform_remark": "平台备注",
}
# Timeline fields that are not case fields (written by the evidence service, the deadline clock).
OTHER_FIELD_LABELS: dict[str, str] = {
    "evidence.kind": "证据类型",
    "evidence.caption": "证据说明",
    "evidence.marks": "证据标注",
    "evidence.weight": "证据重量",
    "evidence.stated_time": "标注的拍摄时间",
    "due_paused_at": "计时暂停",
}
# Which enum a field's stored key belongs to.
ENUM_FIELDS: dict[str, str] = {
    "platform": "Platform",
    "case_type": "CaseType",
    "status": "CaseStatus",
    "resolution": "Resolution",
    "evidence.kind": "EvidenceKind",
}
# Money of a case: what was asked, paid out and recovered (yuan, Decimal, two places); desk.domain uses it too.
MONEY_FIELDS = (
    "order_amount",
    "refund_amount",
    "agreed_compensation",  # agreed with the buyer, not yet paid: a cost only once paid (compensation_paid)
    "refund_paid",
    "compensation_paid",
    "reship_cost",
    "freight_paid",
    "recovered_appeal",
    "recovered_courier",
)
AMOUNT_FIELDS = frozenset(MONEY_FIELDS)
TIME_FIELDS = frozenset({"due_at", "due_paused_at", "applied_at", "evidence.stated_time"})
# Times the platform reported: shown on the platform's clock (China), as its back office shows them.
PLATFORM_TIME_FIELDS = frozenset({"applied_at"})
PLATFORM_CLOCK = timezone(timedelta(hours=8))

EMPTY = "（空）"

# Yes/no facts of a case that nobody may know yet: None is 未知, not 没有. Stored as "True"/"False"
# (stored_value), chosen on the form from FLAG_CHOICES, typed on the CLI in any of FLAG_WORDS.
FLAG_FIELDS = frozenset({"freight_insurance", "express_refund"})
FLAG_UNKNOWN, FLAG_YES, FLAG_NO = "未知", "有", "没有"
FLAG_CHOICES: tuple[tuple[str, bool | None], ...] = ((FLAG_UNKNOWN, None), (FLAG_YES, True), (FLAG_NO, False))
FLAG_WORDS: dict[str, bool | None] = {
    **{w: None for w in ("", FLAG_UNKNOWN, "不知道", "不清楚", "none", "unknown", "?")},
    **{w: True for w in (FLAG_YES, "是", "已购买", "买了", "true", "yes", "y", "1")},
    **{w: False for w in (FLAG_NO, "无", "否", "没买", "未购买", "false", "no", "n", "0")},
}


def flag_value(value: Any) -> bool | None:
    """A yes/no fact as typed or stored ("有", "没有", "未知", True, "False" …); ValueError if it is none of them."""
    if value is None or isinstance(value, bool):
        return value
    word = " ".join(str(value).split()).lower()
    if word in FLAG_WORDS:
        return FLAG_WORDS[word]
    raise ValueError(value)


def flag_text(value: bool | None) -> str:
    return FLAG_UNKNOWN if value is None else FLAG_YES if value else FLAG_NO


def field_label(field: str) -> str:
    return (
        CASE_FIELD_LABELS.get(field)
        or PLATFORM_FACT_LABELS.get(field)
        or OTHER_FIELD_LABELS.get(field, field)
    )


def local_time(value: datetime) -> str:
    """Local time of an aware (UTC) datetime, minutes; naive ones are shown as they are."""
    if value.tzinfo is not None:
        value = value.astimezone()
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def describe_delta(delta: timedelta) -> str:
    """ "1 天 2 小时", "23 小时 15 分", "5 分" (whole minutes, rounded down)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {mins} 分" if mins else f"{hours} 小时"
    return f"{mins} 分"


def platform_time(value: datetime) -> str:
    """A time the platform reported, on the platform's clock (UTC+8), minutes."""
    return local_time(value.astimezone(PLATFORM_CLOCK).replace(tzinfo=None))


def stored_value(value: Any) -> str:
    """How a field's value is kept in the timeline: a key, not words (enum key, ISO time, plain amount)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str) and type(value).__name__ in ENUM_LABELS:
        return enum_value
    return str(value)


def value_text(field: str, raw: str) -> str:
    """A stored field value in words: enum keys as labels, ISO times in local time, amounts with cents."""
    if field in FLAG_FIELDS:
        try:
            return flag_text(flag_value(raw))
        except ValueError:
            return raw
    if not raw:
        return ""
    enum_name = ENUM_FIELDS.get(field)
    if enum_name is not None:
        return enum_label(enum_name, raw)
    if field in TIME_FIELDS:
        try:
            when = datetime.fromisoformat(raw)
            return platform_time(when) if field in PLATFORM_TIME_FIELDS else local_time(when)
        except ValueError:
            return raw  # written by an older release already in words
    if field == "appeal_type":
        return appeal_kind_label(raw)
    if field == "evidence.weight":
        return f"{raw} 克"
    if field == "evidence.marks":
        return _marks_words(raw)
    if field in AMOUNT_FIELDS:
        try:
            return f"{Decimal(raw):.2f}"
        except InvalidOperation:
            return raw
    return raw


def _marks_words(raw: str) -> str:
    """ "2,1" → "遮挡 2 处，标注 1 处" (older entries are already words)."""
    try:
        redactions, others = (int(x) for x in raw.split(","))
    except ValueError:
        return raw
    parts = [f"遮挡 {redactions} 处"] if redactions else []
    if others:
        parts.append(f"标注 {others} 处")
    return "，".join(parts) or "无"


# -- statistics ------------------------------------------------------------------------------------------

# The groupings of 统计 (desk.services.stats), as the CLI, the XLSX and the window name them.
STATS_DIMENSION_LABELS: dict[str, str] = {
    "month": "月份",
    "shop": "店铺",
    "platform": "平台",
    "case_type": "售后类型",
    "reason": "退款原因",
    "product": "商品",
    "courier": "快递公司",
}
# What a statistics row counts besides the money fields (whose words are CASE_FIELD_LABELS').
STATS_MEASURE_LABELS: dict[str, str] = {
    "cases": "售后数",
    "net_cost": "净支出",
    "decided": "已出结果",
    "won": "成功",
    "partial": "部分支持",
    "rejected": "驳回",
    "pending": "等待结果",
    "win_rate": "成功率",
}
STATS_UNSET = "（未填写）"
STATS_MULTI_PRODUCT = "（多种商品）"
# The periods the 统计 window offers, in its order.
STATS_PERIOD_LABELS: dict[str, str] = {
    "this_month": "本月",
    "last_month": "上月",
    "last_90_days": "近 90 天",
    "all": "全部",
    "custom": "自定义",
}
STATS_TOTAL = "合计"
STATS_CHART_NET_COST = "净支出（元）"
STATS_CHART_SPENDING = "支出构成"
STATS_CHART_WIN_RATES = "申诉成功率（%），有 / 无这种证据"


# -- events ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventWords:
    """One timeline entry in words: a title (事件) and what it says (内容)."""

    title: str
    text: str

    def line(self) -> str:
        return f"{self.title}：{self.text}" if self.text else self.title


def event_data(raw: str) -> dict[str, Any]:
    """The structured payload of an event; a damaged one reads as empty rather than failing the timeline."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def grams_words(grams: Any) -> str:
    try:
        return f"{int(grams):,} g"
    except (TypeError, ValueError):
        return str(grams)


# What 应用结果 did with the 问题描述 (desk.playbooks.merge.MergeChoice), in the operator's words.
MERGE_CHOICE_LABELS: dict[str, str] = {
    "replace": "用草稿替换问题描述",
    "append": "把草稿追加在问题描述后面",
    "keep": "保留原来的问题描述",
}


def _wizard_answer(d: Mapping[str, Any]) -> str:
    """An answer, and what the case's data said about it: agreed with, or overridden on purpose."""
    text = f"{d.get('question', '')} → {d.get('answer', '')}"
    known = d.get("known")
    if isinstance(known, Mapping):
        if d.get("override"):
            text += f"（与数据不符，已确认：数据给出“{known.get('answer', '')}”，{known.get('reason', '')}）"
        elif d.get("by_data"):
            text += f"（由售后数据回答，未询问：{known.get('reason', '')}）"
        else:
            text += f"（按数据：{known.get('reason', '')}）"
    return text + (f"；结果：{d['outcome']}" if d.get("outcome") else "")


def _wizard_apply(d: Mapping[str, Any]) -> str:
    said = [f"{field_label(k)} {value_text(k, str(v))}" for k, v in d.get("set", {}).items()]
    if d.get("description") in ("replace", "append"):
        said.append(MERGE_CHOICE_LABELS[str(d["description"])])
    return f"应用结果“{d.get('outcome', '')}”" + (f"（{'，'.join(said)}）" if said else "")


_WIZARD_ACTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "answer": _wizard_answer,
    "restart": lambda d: f"重新开始（{d.get('playbook', '')}）" if d.get("playbook") else "重新开始",
    "apply": _wizard_apply,
    "done": lambda d: f"{d.get('step', '')} → 已完成",
}


def describe_event(
    kind: str,
    field: str = "",
    old: str = "",
    new: str = "",
    detail: str = "",
    data: Mapping[str, Any] | None = None,
    *,
    shop_names: Mapping[int, str] | None = None,
) -> EventWords:
    """The one renderer of a timeline entry, used by the window, the CLI and the PDF.

    `kind` is an EventKind value; `old`/`new` hold stored values (see `stored_value`); `data` the
    structured payload. Entries written before payloads existed carry their words in `detail`.
    """
    data = data or {}
    title = enum_label("EventKind", kind)
    if kind == "field_changed":
        name = field_label(field)
        if field == "shop_id":
            old_text, new_text = (
                _shop(old, data.get("old_name"), shop_names),
                _shop(new, data.get("new_name"), shop_names),
            )
        else:
            old_text, new_text = value_text(field, old), value_text(field, new)
        old_text, new_text = old_text or EMPTY, new_text or EMPTY
        why = _why(data) or (detail if not field.startswith("evidence") else "")
        if field == "due_paused_at":
            return EventWords("暂停计时", why) if new else EventWords("恢复计时", "")
        if field == "status" and why == "重新打开":
            return EventWords("重新打开", f"{old_text} → {new_text}")
        subject = str(data.get("evidence", "")) or (detail if field.startswith("evidence") else "")
        prefix = f"{subject}：" if subject else ""
        suffix = f"（{why}）" if why else ""
        return EventWords(f"修改{name}", f"{prefix}{old_text} → {new_text}{suffix}")
    if kind == "created":
        case_type = data.get("case_type")
        return EventWords(
            title, enum_label("CaseType", str(case_type)) if case_type else _legacy(detail, "新建售后：")
        )
    if kind in ("evidence_added", "evidence_removed"):
        ev_kind = data.get("kind")
        said = enum_label("EvidenceKind", str(ev_kind)) if ev_kind else detail
        if ev_kind and data.get("sha256_prefix"):
            said += f"，SHA-256 {data['sha256_prefix']}"  # which file it was, when names repeat
        parts = [new or old, said]
        if data.get("reason") == "undo_remove":
            title = "撤销删除证据"
        # Moved between cases: the same picture, filed under the other case (its number says so).
        if "to_case" in data or "from_case" in data:
            return _moved_words(data, _joined("", parts).text)
        return _joined(title, parts)
    if kind == "packet_generated":
        if data:
            bits = [new]
            if data.get("pages"):
                bits.append(f"{data['pages']} 页")
            if data.get("sha256_prefix"):
                bits.append(f"SHA-256 {data['sha256_prefix']}")
            if "appeal_kind" in data:
                bits.append(f"申诉类型 {appeal_kind_label(str(data['appeal_kind']))}")
            return EventWords(title, "，".join(b for b in bits if b))
        return _joined(title, [new, detail])
    if kind == "wizard":
        action = _WIZARD_ACTIONS.get(str(data.get("action", "")))
        return EventWords(title, action(data) if action else detail)
    if kind == "weight_recorded":
        text = f"{enum_label('WeightKind', str(data.get('kind', '')))} {grams_words(data.get('grams'))}"
        action = data.get("action", "add")
        if action == "edit":
            was = f"{enum_label('WeightKind', str(data.get('old_kind', '')))} {grams_words(data.get('old_grams'))}"
            return EventWords("修改重量", f"{was} → {text}")
        if action == "remove":
            return EventWords("删除重量", text)
        if data.get("evidence"):
            text += f"（证据“{data['evidence']}”）"
        return EventWords(title, text)
    if kind == "platform_synced":
        facts = data.get("facts", {})
        lines = [f"{field_label(k)}：{value_text(k, str(v))}" for k, v in facts.items() if v]
        return EventWords(title, "；".join(lines) or "平台信息已清空")
    if kind == "appeal_outcome":
        return _appeal_outcome_words(data)
    if kind == "courier_claim":
        return _courier_claim_words(data)
    if kind == "buyer_recorded":
        said = "、".join(enum_label("BuyerKeyKind", str(k)) for k in data.get("kinds", ()))
        if data.get("action") == "clear":
            return EventWords("清除买家信息", said)
        return EventWords(title, f"{said}（只保存加密摘要，不保存原文）" if said else "")
    if kind in ("trashed", "restored"):
        return EventWords(title, _why(data))
    return _joined(title, [new or old, detail])


# Why a change happened, as the services record it (data["reason"]).
_REASONS: dict[str, str] = {
    "undo_bulk": "撤销批量修改",
    "undo_trash": "撤销删除",
    "undo_restore": "撤销恢复",
    "undo_remove": "撤销删除",
    "undo_kind": "撤销修改类型",
    "undo_move": "撤销移动证据",
    "reopen": "重新打开",
    "clock_resumed": "恢复计时",
    "wizard": "处理流程",
    "import": "导入售后导出",
    "appeal_outcome": "按申诉结果",
    "courier_claim": "按快递理赔结果",
}


def _yuan(raw: Any) -> str:
    try:
        return f"¥{Decimal(str(raw)):.2f}"
    except InvalidOperation:
        return str(raw)


def _appeal_outcome_words(d: Mapping[str, Any]) -> EventWords:
    """ "货款申诉：等待结果 → 申诉成功，追回 ¥12.50"."""
    kind = appeal_kind_label(str(d.get("appeal_kind", "")))
    result = enum_label("AppealResult", str(d.get("result", "")))
    if d.get("old_result") and d.get("old_result") != d.get("result"):
        result = f"{enum_label('AppealResult', str(d['old_result']))} → {result}"
    text = f"{kind}：{result}"
    if d.get("amount") not in (None, ""):
        text += f"，追回 {_yuan(d['amount'])}"
    action = d.get("action", "add")
    title = {"edit": "修改申诉结果", "remove": "删除申诉结果"}.get(str(action), "申诉结果")
    return EventWords(title, text)


def _courier_claim_words(d: Mapping[str, Any]) -> EventWords:
    """ "中通快递 理赔单号 LP123：已提交 → 已赔付，索赔 ¥30.00，赔付 ¥30.00"."""
    claim_no = f"理赔单号 {d['claim_no']}" if d.get("claim_no") else ""
    who = " ".join(x for x in (str(d.get("courier", "")), claim_no) if x)
    prefix = f"{who}：" if who else ""
    action = str(d.get("action", "add"))
    if action == "packet":
        bits = [str(d.get("file", ""))]
        if d.get("pages"):
            bits.append(f"{d['pages']} 页")
        if d.get("sha256_prefix"):
            bits.append(f"SHA-256 {d['sha256_prefix']}")
        return EventWords("生成理赔材料", prefix + "，".join(b for b in bits if b))
    status = enum_label("ClaimStatus", str(d.get("status", "")))
    if d.get("old_status") and d.get("old_status") != d.get("status"):
        status = f"{enum_label('ClaimStatus', str(d['old_status']))} → {status}"
    parts = [status]
    if d.get("claimed") not in (None, ""):
        parts.append(f"索赔 {_yuan(d['claimed'])}")
    if d.get("paid") not in (None, ""):
        parts.append(f"赔付 {_yuan(d['paid'])}")
    title = {"edit": "修改快递理赔", "remove": "删除快递理赔"}.get(action, "快递理赔")
    return EventWords(title, prefix + "，".join(parts))


def _why(data: Mapping[str, Any]) -> str:
    reason = str(data.get("reason", ""))
    if reason == "clock_paused":
        return f"“{enum_label('CaseStatus', str(data.get('status', '')))}”期间截止时间暂停计时"
    if reason == "clock_resumed" and data.get("held_seconds") is not None:
        return f"恢复计时，顺延 {describe_delta(timedelta(seconds=float(data['held_seconds'])))}"
    if reason == "clock_resumed" and data.get("held"):
        return f"恢复计时，顺延 {data['held']}"
    return _REASONS.get(reason, reason)


def _legacy(detail: str, prefix: str) -> str:
    return detail.removeprefix(prefix)


def _moved_words(data: Mapping[str, Any], picture: str) -> EventWords:
    """A picture moved between cases (filed under the wrong one): 移出证据 / 移入证据, or the undo of it."""
    back = data.get("reason") == "undo_move"
    if "to_case" in data:
        title, where = "移出证据", f"{'移回' if back else '移到'}售后 #{data['to_case']}"
    elif back:
        title, where = "移入证据", f"从售后 #{data['from_case']} 移回"
    else:
        title, where = "移入证据", f"来自售后 #{data['from_case']}"
    return EventWords("撤销移动证据" if back else title, f"{picture}，{where}" if picture else where)


def _joined(title: str, parts: list[str]) -> EventWords:
    parts = [p for p in parts if p]
    if len(parts) == 2:
        return EventWords(title, f"{parts[0]}（{parts[1]}）")
    return EventWords(title, parts[0] if parts else "")


def _shop(raw: str, name: Any, shop_names: Mapping[int, str] | None) -> str:
    if name:
        return str(name)
    if raw and shop_names is not None:
        try:
            return shop_names.get(int(raw), raw)
        except ValueError:
            return raw
    return raw


# The list's queues by deadline and by what is awaited (DueFilter keys): the sidebar's 今日 and the filter
# bar's 截止 button say these.
DUE_QUEUE_LABELS: dict[str, str] = {
    "soon": "即将超时",
    "overdue": "已超时",
    "paused": "暂停计时",
    "has_due": "有截止时间",
    "no_due": "无截止时间",
    "urgent": "4 小时内到期",
    "today": "今天到期",
    "awaiting_platform": "等待平台处理",
    "to_reship": "待补发",
}
