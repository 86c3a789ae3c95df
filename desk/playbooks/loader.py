"""Read playbooks and scripts from TOML, check them, and let a shop's own copy override a shipped one."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.domain import CaseStatus, CaseType, EvidenceKind, Resolution
from desk.errors import DeskError
from desk.playbooks.model import APPEAL_KINDS, Answer, Node, Outcome, Playbook, Script
from desk.resources import resource

log = logging.getLogger(__name__)

PLAYBOOK_DIR = resource("playbooks")
SCRIPTS_FILE = resource("scripts.toml")


class PlaybookError(DeskError):
    """A playbook file that cannot be used; the message names the file and, where known, the line."""


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)": keep it, it is what the user needs.
        raise PlaybookError(f"文件“{path.name}”格式有误：{exc}") from exc
    except OSError as exc:
        raise PlaybookError(f"无法读取文件“{path}”：{exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PlaybookError(f"文件“{path.name}”不是 UTF-8 编码") from exc


def parse_playbook(data: dict[str, Any], source: str = "") -> Playbook:
    try:
        nodes = {}
        for ident, raw in (data.get("nodes") or {}).items():
            nodes[ident] = Node(
                id=ident,
                kind=str(raw.get("kind", "question")),
                title=str(raw["title"]),
                advice=str(raw.get("advice", "")),
                answers=tuple(Answer(str(a["label"]), str(a["next"])) for a in raw.get("answers", [])),
                next=str(raw.get("next", "")),
                checklist=_tuple(raw.get("checklist")),
                evidence=_tuple(raw.get("evidence")),
                scripts=_tuple(raw.get("scripts")),
                weight_check=bool(raw.get("weight_check", False)),
            )
        outcomes = {}
        for ident, raw in (data.get("outcomes") or {}).items():
            outcomes[ident] = Outcome(
                id=ident,
                title=str(raw["title"]),
                actions=_tuple(raw.get("actions")),
                scripts=_tuple(raw.get("scripts")),
                evidence=_tuple(raw.get("evidence")),
                status=str(raw.get("status", "")),
                resolution=str(raw.get("resolution", "")),
                appeal=str(raw.get("appeal", "")),
                evidence_required=_tuple(raw.get("evidence_required")),
                evidence_recommended=_tuple(raw.get("evidence_recommended")),
                draft=str(raw.get("draft", "")),
                no_appeal_reason=str(raw.get("no_appeal_reason", "")),
            )
        return Playbook(
            id=str(data["id"]),
            case_type=str(data["case_type"]),
            title=str(data["title"]),
            summary=str(data.get("summary", "")),
            start=str(data["start"]),
            nodes=nodes,
            outcomes=outcomes,
            source=source,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlaybookError(f"文件“{source}”缺少必填项或结构不对：{exc}") from exc


def validate(pb: Playbook, script_ids: set[str]) -> list[str]:
    """Every problem in plain words; an empty list means the playbook is usable."""
    problems: list[str] = []
    # Playbooks are written in the operator's words: the labels of desk.labels.
    kinds = {str(k) for k in EvidenceKind}
    statuses = {str(s) for s in CaseStatus}
    resolutions = {str(r) for r in Resolution}
    if pb.case_type not in {str(t) for t in CaseType}:
        problems.append(f"售后类型“{pb.case_type}”不存在")
    overlap = set(pb.nodes) & set(pb.outcomes)
    if overlap:
        problems.append(f"步骤和结果用了相同的编号：{sorted(overlap)}")
    ids = set(pb.nodes) | set(pb.outcomes)
    if pb.start not in ids:
        problems.append(f"起点“{pb.start}”不存在")

    def check_ref(where: str, target: str) -> None:
        if target not in ids:
            problems.append(f"{where} 指向不存在的“{target}”")

    def check_kinds(where: str, values: tuple[str, ...]) -> None:
        for v in values:
            if v not in kinds:
                problems.append(f"{where} 的证据类别“{v}”不存在")

    def check_scripts(where: str, values: tuple[str, ...]) -> None:
        for v in values:
            if v not in script_ids:
                problems.append(f"{where} 引用的话术“{v}”不存在")

    for node in pb.nodes.values():
        where = f"步骤“{node.id}”"
        if node.kind == "question":
            if len(node.answers) < 2:
                problems.append(f"{where} 是问题，但少于两个回答")
            for a in node.answers:
                check_ref(where, a.next)
            if node.next:
                problems.append(f"{where} 是问题，不应有 next")
        elif node.kind == "info":
            if not node.next:
                problems.append(f"{where} 是说明步骤，缺少 next")
            else:
                check_ref(where, node.next)
            if node.answers:
                problems.append(f"{where} 是说明步骤，不应有回答")
        else:
            problems.append(f"{where} 的类型“{node.kind}”无效（只能是 question 或 info）")
        check_kinds(where, node.evidence)
        check_scripts(where, node.scripts)
    for out in pb.outcomes.values():
        where = f"结果“{out.id}”"
        if out.status not in statuses:
            problems.append(f"{where} 的状态“{out.status}”不存在")
        if out.resolution not in resolutions:
            problems.append(f"{where} 的处理方式“{out.resolution}”不存在")
        if not out.actions:
            problems.append(f"{where} 没有建议操作")
        check_kinds(where, out.evidence + out.evidence_required + out.evidence_recommended)
        check_scripts(where, out.scripts)
        if out.appeal:
            if out.appeal not in APPEAL_KINDS:
                problems.append(f"{where} 的申诉类型“{out.appeal}”不存在")
            if not out.evidence_required:
                problems.append(f"{where} 要申诉，但没有列出必需的证据")
            if not out.draft:
                problems.append(f"{where} 要申诉，但没有问题描述模板")
    if problems:
        return problems
    # Reachability and cycles: depth-first from the start, colouring nodes on the current path.
    reached: set[str] = set()
    on_path: set[str] = set()

    def visit(ident: str) -> None:
        if ident in on_path:
            problems.append(f"步骤“{ident}”处形成了循环")
            return
        if ident in reached:
            return
        reached.add(ident)
        if ident in pb.outcomes:
            return
        on_path.add(ident)
        node = pb.nodes[ident]
        for target in [a.next for a in node.answers] or [node.next]:
            visit(target)
        on_path.discard(ident)

    visit(pb.start)
    unreachable = sorted(ids - reached)
    if unreachable:
        problems.append(f"这些步骤或结果从起点走不到：{'、'.join(unreachable)}")
    return problems


def load_scripts(path: Path = SCRIPTS_FILE) -> dict[str, Script]:
    data = _read_toml(path)
    out: dict[str, Script] = {}
    for ident, raw in (data.get("scripts") or {}).items():
        out[ident] = Script(ident, str(raw.get("category", "")), str(raw["title"]), str(raw["text"]))
    return out


@dataclass(frozen=True, slots=True)
class PlaybookSet:
    """The playbooks in force, by case type, and what went wrong with a shop's own files."""

    by_case_type: dict[str, Playbook]
    problems: tuple[str, ...] = ()

    def for_case_type(self, case_type: str) -> Playbook:
        """The playbook of a case type given as a member, its key or its words (playbooks use the words)."""
        try:
            words = str(CaseType(case_type))
        except ValueError:
            words = str(case_type)
        try:
            return self.by_case_type[words]
        except KeyError as exc:
            raise PlaybookError(f"没有“{case_type}”的处理流程") from exc


def load_file(path: Path, script_ids: set[str]) -> Playbook:
    pb = parse_playbook(_read_toml(path), path.name)
    problems = validate(pb, script_ids)
    if problems:
        raise PlaybookError(f"流程文件“{path.name}”有 {len(problems)} 处问题：" + "；".join(problems))
    return pb


def load_playbooks(shop_dir: Path | None = None, script_ids: set[str] | None = None) -> PlaybookSet:
    """Shipped playbooks, each replaced by a valid shop copy of the same id; broken copies are reported."""
    ids = script_ids if script_ids is not None else set(load_scripts())
    shipped = {}
    for path in sorted(PLAYBOOK_DIR.glob("*.toml")):
        pb = load_file(path, ids)
        shipped[pb.id] = pb
    problems: list[str] = []
    if shop_dir is not None and shop_dir.is_dir():
        for path in sorted(shop_dir.glob("*.toml")):
            try:
                own = load_file(path, ids)
            except PlaybookError as exc:
                log.warning("shop playbook %s unusable: %s", path, exc.message)
                problems.append(f"{exc.message}。暂时使用软件自带的流程。")
                continue
            if own.id not in shipped:
                problems.append(f"流程文件“{path.name}”的 id“{own.id}”不对应任何自带流程，已忽略。")
                continue
            shipped[own.id] = own
    return PlaybookSet({pb.case_type: pb for pb in shipped.values()}, tuple(problems))
