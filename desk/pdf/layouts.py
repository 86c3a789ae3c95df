"""How a packet argues, per appeal kind and, where it differs, per case type: the claim paragraph, the
evidence that leads, the evidence page 1 shows under the claim and the numbers beside it.

The data is resources/appeal_layouts.toml. An operator's copy, ``appeal_layouts.toml`` in the profile
folder, replaces it when present and valid; a copy that cannot be used is named (file and line) in a
warning and the packaged layouts are used instead, so a typo never stops a packet.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desk.domain import CaseType, EvidenceKind
from desk.errors import DeskError
from desk.labels import APPEAL_KIND_LABELS
from desk.resources import resource

FILE_NAME = "appeal_layouts.toml"
VARIABLES = frozenset(
    {
        "订单号",
        "售后单号",
        "申诉类型",
        "退款金额",
        "运费金额",
        "售后类型",
        "重量结论",
        "退货运单号",
        "快递单号",
        "快递公司",
        "订单金额",
    }
)
# The numbers page 1 can show beside the decisive pictures: any variable but the weight sentence (the
# claim carries it), and 重量计算, the worked weight check.
WEIGHT_ARITHMETIC = "重量计算"
FACTS = (VARIABLES - {"重量结论"}) | {WEIGHT_ARITHMETIC}
FIELDS = ("claim", "lead", "decisive", "facts")
MAX_DECISIVE = 2  # page 1 has room for two pictures side by side
_VARIABLE = re.compile(r"\{([^{}]*)\}")
_TOML_LINE = re.compile(r"at line (\d+)")


class LayoutError(DeskError):
    pass


@dataclass(frozen=True, slots=True)
class AppealLayout:
    claim: str  # with {变量}
    lead: tuple[str, ...]  # evidence kinds in words, in the order they lead
    # Evidence kinds page 1 shows under the claim (one across the page, two side by side); none: the
    # packet's first picture.
    decisive: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()  # variables (and 重量计算) printed beside them

    def fill(self, values: Mapping[str, str]) -> str:
        """The claim with its variables filled; a missing value is named, never left as a brace."""
        text = _VARIABLE.sub(lambda m: values.get(m[1]) or f"（未填写{m[1]}）", self.claim)
        return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Layouts:
    """Every layout of one file: per appeal kind ("generic" for none), and per appeal kind and case type."""

    kinds: Mapping[str, AppealLayout]
    by_case_type: Mapping[tuple[str, CaseType], AppealLayout] = field(default_factory=dict)

    def for_case(self, appeal: str, case_type: CaseType | str | None = None) -> AppealLayout:
        """The layout of an appeal kind (a key; "" or an unknown kind is generic) for a case type."""
        key = appeal if appeal in self.kinds else "generic"
        if case_type is not None:
            try:
                found = self.by_case_type.get((key, CaseType(case_type)))
            except ValueError:
                found = None
            if found is not None:
                return found
        return self.kinds[key]


class _Lines:
    """Where a table or a key is in the file's text, for messages that name the line."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def of(self, table: tuple[str, ...], key: str | None = None) -> int | None:
        header = re.compile(
            r"^\s*\[\s*" + r"\s*\.\s*".join(rf"[\"']?{re.escape(p)}[\"']?" for p in table) + r"\s*\]"
        )
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return None
        if key is None:
            return start + 1
        assign = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if assign.match(self.lines[i]):
                return i + 1
        return start + 1


def _fail(source: str, lines: _Lines, table: tuple[str, ...], key: str | None, why: str) -> LayoutError:
    line = lines.of(table, key)
    where = f"第 {line} 行" if line is not None else ""
    return LayoutError(f"申诉材料版式“{source}”{where}的 [{'.'.join(table)}] {why}")


def _kinds(value: object, source: str, lines: _Lines, table: tuple[str, ...], key: str) -> tuple[str, ...]:
    """A list of evidence kinds (labels or keys) as labels."""
    allowed = "、".join(str(k) for k in EvidenceKind)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, lines, table, key, f"{key} 应为证据类型的列表（可选 {allowed}）")
    out = []
    for v in value:
        try:
            out.append(str(EvidenceKind(v)))
        except ValueError:
            raise _fail(
                source, lines, table, key, f"{key} 里有不存在的证据类型“{v}”：可选 {allowed}"
            ) from None
    return tuple(out)


def _layout(
    raw: Mapping[str, object],
    source: str,
    lines: _Lines,
    table: tuple[str, ...],
    parent: AppealLayout | None,
) -> AppealLayout:
    claim = raw.get("claim", parent.claim if parent is not None else None)
    if not isinstance(claim, str) or not claim.strip():
        raise _fail(source, lines, table, "claim", "缺少 claim（申诉要点）")
    unknown = set(_VARIABLE.findall(claim)) - VARIABLES
    if unknown:
        raise _fail(
            source,
            lines,
            table,
            "claim",
            f"用了不存在的变量：{'、'.join(sorted(unknown))}（可用 {'、'.join(sorted(VARIABLES))}）",
        )
    lead = _kinds(raw["lead"], source, lines, table, "lead") if "lead" in raw else None
    decisive = _kinds(raw["decisive"], source, lines, table, "decisive") if "decisive" in raw else None
    if decisive is not None and len(decisive) > MAX_DECISIVE:
        raise _fail(source, lines, table, "decisive", f"decisive 最多 {MAX_DECISIVE} 项（首页并排放两张）")
    facts = raw.get("facts")
    if facts is not None and (
        not isinstance(facts, list) or not all(isinstance(f, str) and f in FACTS for f in facts)
    ):
        raise _fail(source, lines, table, "facts", f"facts 里有不认识的项：可选 {'、'.join(sorted(FACTS))}")
    return AppealLayout(
        claim=claim,
        lead=lead if lead is not None else (parent.lead if parent is not None else ()),
        decisive=decisive if decisive is not None else (parent.decisive if parent is not None else ()),
        facts=tuple(facts) if facts is not None else (parent.facts if parent is not None else ()),
    )


def parse(data: Mapping[str, object], source: str, text: str = "") -> Layouts:
    """Check a layouts file's data; raises LayoutError naming the file, the line (given the text) and why."""
    lines = _Lines(text)
    kinds: dict[str, AppealLayout] = {}
    by_type: dict[tuple[str, CaseType], AppealLayout] = {}
    types = "、".join(f"{t.name}（{t}）" for t in CaseType)
    for key, raw in data.items():
        table = (str(key),)
        if key != "generic" and key not in APPEAL_KIND_LABELS:
            line = lines.of(table)
            where = f"第 {line} 行" if line is not None else ""
            raise LayoutError(
                f"申诉材料版式“{source}”{where}里的申诉类型“{key}”不存在：可选 generic、"
                f"{'、'.join(APPEAL_KIND_LABELS)}"
            )
        if not isinstance(raw, dict):
            raise _fail(source, lines, table, None, "应为一个表（claim、lead、decisive、facts）")
        layout = _layout(raw, source, lines, table, None)
        kinds[key] = layout
        for sub, sub_raw in raw.items():
            if sub in FIELDS:
                continue
            try:
                case_type = CaseType(sub)
            except ValueError:
                raise _fail(
                    source,
                    lines,
                    table,
                    sub,
                    f"里的“{sub}”既不是版式的项（{'、'.join(FIELDS)}），也不是售后类型（{types}）",
                ) from None
            if not isinstance(sub_raw, dict):
                raise _fail(source, lines, (*table, sub), None, "应为一个表（claim、lead、decisive、facts）")
            extra = set(sub_raw) - set(FIELDS)
            if extra:
                raise _fail(
                    source, lines, (*table, sub), None, f"有不认识的项：{'、'.join(sorted(map(str, extra)))}"
                )
            by_type[(key, case_type)] = _layout(sub_raw, source, lines, (*table, sub), layout)
    if "generic" not in kinds:
        raise LayoutError(f"申诉材料版式“{source}”缺少 [generic]（没有申诉类型时用的版式）")
    return Layouts(kinds=kinds, by_case_type=by_type)


def read(path: Path, source: str | None = None) -> Layouts:
    """A layouts file, checked; LayoutError names the file and the line of what is wrong."""
    name = source or str(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise LayoutError(f"申诉材料版式“{name}”不是 UTF-8 编码") from None
    except OSError as exc:
        raise LayoutError(f"无法读取申诉材料版式“{name}”：{exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        where = f"第 {found[1]} 行" if found else ""
        raise LayoutError(f"申诉材料版式“{name}”{where}格式有误（不是有效的 TOML：{exc}）") from exc
    return parse(data, name, text)


@functools.cache
def shipped() -> Layouts:
    return read(resource(FILE_NAME), FILE_NAME)


def load(user_file: Path | None) -> tuple[Layouts, tuple[str, ...]]:
    """The operator's layouts when `user_file` exists and is valid, else the packaged ones; and, when a
    copy was ignored, why, in words that name its file and line."""
    if user_file is None or not user_file.is_file():
        return shipped(), ()
    try:
        return read(user_file), ()
    except LayoutError as exc:
        return shipped(), (f"{exc.message}；已改用随软件附带的版式。",)
