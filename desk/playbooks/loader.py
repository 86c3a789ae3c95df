"""Read playbooks and scripts from TOML, check them, and let a shop's own copy override a shipped one.

Every problem of a file is located: its line (the section of the step or outcome, the key or the value
at fault), so the window and the CLI can say "unwanted.toml:12: …" and the operator finds it.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.domain import CaseStatus, CaseType, EvidenceKind, Resolution
from desk.errors import DeskError
from desk.playbooks.facts import FACTS
from desk.playbooks.model import APPEAL_KINDS, VARIABLES, Answer, Node, Outcome, Playbook, Script
from desk.playbooks.walker import variables_in
from desk.resources import resource

log = logging.getLogger(__name__)

PLAYBOOK_DIR = resource("playbooks")
SCRIPTS_FILE = resource("scripts.toml")


@dataclass(frozen=True, slots=True)
class PlaybookProblem:
    """One thing wrong with a playbook file, where it is, in plain words."""

    path: str  # the file as the operator knows it (the full path of a shop's copy)
    line: int  # 1-based; 0 when the file could not be read at all
    reason: str

    def __str__(self) -> str:
        """ "file:line: reason", as compilers say it (the CLI prints this)."""
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"

    def words(self) -> str:
        """The same for the window: the file's name and the line in words."""
        where = f"第 {self.line} 行" if self.line else ""
        return f"流程文件“{Path(self.path).name}”{where}：{self.reason}"


class PlaybookError(DeskError):
    """A playbook file that cannot be used; the message names the file and, where known, the line."""

    def __init__(self, message: str, problems: tuple[PlaybookProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


# Where in a file a problem is: the section ("" for the top, "nodes.<id>", "outcomes.<id>"), the key at
# fault and the value at fault (either may be None).
Where = tuple[str, str | None, str | None]


class _Bad(Exception):
    """A structural problem found while parsing, with where it is."""

    def __init__(self, where: Where, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


def _tuple(value: Any, where: Where, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise _Bad((where[0], key, None), f"{key} 应为文字或文字列表")
    return tuple(str(v) for v in value)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlaybookError(
            f"文件“{path.name}”不是 UTF-8 编码", (PlaybookProblem(str(path), 0, "不是 UTF-8 编码"),)
        ) from exc
    except OSError as exc:
        reason = f"无法读取：{exc.strerror or exc}"
        raise PlaybookError(
            f"无法读取文件“{path}”：{exc.strerror or exc}", (PlaybookProblem(str(path), 0, reason),)
        ) from exc


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _loads(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)": the line is what the operator needs.
        message = str(exc)
        found = _AT_LINE.search(message)
        line = int(found.group(1)) if found else 0
        reason = f"TOML 格式有误：{_AT_LINE.sub('', message)}" + (
            f"（第 {found.group(2)} 列）" if found else ""
        )
        raise PlaybookError(
            f"文件“{path.name}”格式有误：{message}", (PlaybookProblem(str(path), line, reason),)
        ) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    return _loads(_read_text(path), path)


def _text(raw: dict[str, Any], key: str, where: Where, *, required: bool = False) -> str:
    if key not in raw:
        if required:
            raise _Bad(where, f"缺少必填项 {key}")
        return ""
    value = raw[key]
    if isinstance(value, dict | list):
        raise _Bad((where[0], key, None), f"{key} 应为文字")
    return str(value)


def _parse(data: dict[str, Any], source: str) -> Playbook:
    top: Where = ("", None, None)
    nodes = {}
    raw_nodes = data.get("nodes") or {}
    if not isinstance(raw_nodes, dict):
        raise _Bad(("", "nodes", None), "nodes 应为表")
    for ident, raw in raw_nodes.items():
        where: Where = (f"nodes.{ident}", None, None)
        if not isinstance(raw, dict):
            raise _Bad(where, f"步骤“{ident}”应为表")
        answers = []
        raw_answers = raw.get("answers", [])
        if not isinstance(raw_answers, list):
            raise _Bad((where[0], "answers", None), "answers 应为列表")
        for a in raw_answers:
            if not isinstance(a, dict) or "label" not in a or "next" not in a:
                raise _Bad((where[0], "answers", None), "每个回答都要有 label 和 next")
            answers.append(Answer(str(a["label"]), str(a["next"]), _tuple(a.get("when"), where, "when")))
        nodes[ident] = Node(
            id=ident,
            kind=_text(raw, "kind", where) or "question",
            title=_text(raw, "title", where, required=True),
            advice=_text(raw, "advice", where),
            answers=tuple(answers),
            next=_text(raw, "next", where),
            checklist=_tuple(raw.get("checklist"), where, "checklist"),
            evidence=_tuple(raw.get("evidence"), where, "evidence"),
            scripts=_tuple(raw.get("scripts"), where, "scripts"),
            weight_check=bool(raw.get("weight_check", False)),
            known=_text(raw, "known", where),
            done_when=_tuple(raw.get("done_when"), where, "done_when"),
            data_decides=bool(raw.get("data_decides", False)),
        )
    outcomes = {}
    raw_outcomes = data.get("outcomes") or {}
    if not isinstance(raw_outcomes, dict):
        raise _Bad(("", "outcomes", None), "outcomes 应为表")
    for ident, raw in raw_outcomes.items():
        where = (f"outcomes.{ident}", None, None)
        if not isinstance(raw, dict):
            raise _Bad(where, f"结果“{ident}”应为表")
        outcomes[ident] = Outcome(
            id=ident,
            title=_text(raw, "title", where, required=True),
            actions=_tuple(raw.get("actions"), where, "actions"),
            scripts=_tuple(raw.get("scripts"), where, "scripts"),
            evidence=_tuple(raw.get("evidence"), where, "evidence"),
            status=_text(raw, "status", where),
            resolution=_text(raw, "resolution", where),
            appeal=_text(raw, "appeal", where),
            evidence_required=_tuple(raw.get("evidence_required"), where, "evidence_required"),
            evidence_recommended=_tuple(raw.get("evidence_recommended"), where, "evidence_recommended"),
            draft=_text(raw, "draft", where),
            no_appeal_reason=_text(raw, "no_appeal_reason", where),
        )
    return Playbook(
        id=_text(data, "id", top, required=True),
        case_type=_text(data, "case_type", top, required=True),
        title=_text(data, "title", top, required=True),
        summary=_text(data, "summary", top),
        start=_text(data, "start", top, required=True),
        nodes=nodes,
        outcomes=outcomes,
        source=source,
    )


def parse_playbook(data: dict[str, Any], source: str = "") -> Playbook:
    try:
        return _parse(data, source)
    except _Bad as bad:
        raise PlaybookError(f"文件“{source}”{bad.reason}") from bad


def validate(pb: Playbook, script_ids: set[str]) -> list[str]:
    """Every problem in plain words; an empty list means the playbook is usable."""
    return [reason for _, reason in check(pb, script_ids)]


def check(pb: Playbook, script_ids: set[str]) -> list[tuple[Where, str]]:
    """Every problem with where it is in the file (see `locate`)."""
    problems: list[tuple[Where, str]] = []
    # Playbooks are written in the operator's words: the labels of desk.labels.
    kinds = {str(k) for k in EvidenceKind}
    statuses = {str(s) for s in CaseStatus}
    resolutions = {str(r) for r in Resolution}
    if pb.case_type not in {str(t) for t in CaseType}:
        problems.append((("", "case_type", None), f"售后类型“{pb.case_type}”不存在"))
    overlap = sorted(set(pb.nodes) & set(pb.outcomes))
    if overlap:
        problems.append(((f"outcomes.{overlap[0]}", None, None), f"步骤和结果用了相同的编号：{overlap}"))
    ids = set(pb.nodes) | set(pb.outcomes)
    if pb.start not in ids:
        problems.append((("", "start", None), f"起点“{pb.start}”不存在"))

    def add(section: str, key: str | None, value: str | None, reason: str) -> None:
        problems.append(((section, key, value), reason))

    def check_ref(section: str, where: str, target: str) -> None:
        if target not in ids:
            add(section, None, target, f"{where} 指向不存在的“{target}”")

    def check_kinds(section: str, where: str, values: tuple[str, ...]) -> None:
        for v in values:
            if v not in kinds:
                add(section, None, v, f"{where} 的证据类别“{v}”不存在")

    def check_scripts(section: str, where: str, values: tuple[str, ...]) -> None:
        for v in values:
            if v not in script_ids:
                add(section, None, v, f"{where} 引用的话术“{v}”不存在")

    for node in pb.nodes.values():
        where, section = f"步骤“{node.id}”", f"nodes.{node.id}"
        if node.kind == "question":
            if len(node.answers) < 2:
                add(section, "answers", None, f"{where} 是问题，但少于两个回答")
            for a in node.answers:
                check_ref(section, where, a.next)
            if node.next:
                add(section, "next", None, f"{where} 是问题，不应有 next")
        elif node.kind == "info":
            if not node.next:
                add(section, None, None, f"{where} 是说明步骤，缺少 next")
            else:
                check_ref(section, where, node.next)
            if node.answers:
                add(section, "answers", None, f"{where} 是说明步骤，不应有回答")
            if node.known:
                add(section, "known", None, f"{where} 是说明步骤，不能由数据回答（known 只用于问题）")
        else:
            add(section, "kind", None, f"{where} 的类型“{node.kind}”无效（只能是 question 或 info）")
        check_kinds(section, where, node.evidence)
        if node.done_when:
            if node.kind != "info":
                add(
                    section,
                    "done_when",
                    None,
                    f"{where} 是问题，不能因已有证据跳过（done_when 只用于说明步骤）",
                )
            check_kinds(section, where, node.done_when)
        check_scripts(section, where, node.scripts)
        _check_known(node, section, where, add)
    for out in pb.outcomes.values():
        where, section = f"结果“{out.id}”", f"outcomes.{out.id}"
        if out.status not in statuses:
            add(section, "status", None, f"{where} 的状态“{out.status}”不存在")
        if out.resolution not in resolutions:
            add(section, "resolution", None, f"{where} 的处理方式“{out.resolution}”不存在")
        if not out.actions:
            add(section, None, None, f"{where} 没有建议操作")
        check_kinds(section, where, out.evidence + out.evidence_required + out.evidence_recommended)
        check_scripts(section, where, out.scripts)
        unknown = [v for v in variables_in(out.draft) if v not in VARIABLES]
        if unknown:
            add(
                section,
                "draft",
                None,
                f"{where} 的问题描述模板用了不认识的变量：{'、'.join(unknown)}"
                f"（可用：{'、'.join(VARIABLES)}）",
            )
        if out.appeal:
            if out.appeal not in APPEAL_KINDS:
                add(section, "appeal", None, f"{where} 的申诉类型“{out.appeal}”不存在")
            if not out.evidence_required:
                add(section, None, None, f"{where} 要申诉，但没有列出必需的证据")
            if not out.draft:
                add(section, None, None, f"{where} 要申诉，但没有问题描述模板")
    if problems:
        return problems
    # Reachability and cycles: depth-first from the start, colouring nodes on the current path.
    reached: set[str] = set()
    on_path: set[str] = set()

    def visit(ident: str) -> None:
        if ident in on_path:
            add(f"nodes.{ident}", None, None, f"步骤“{ident}”处形成了循环")
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
        first = unreachable[0]
        section = f"nodes.{first}" if first in pb.nodes else f"outcomes.{first}"
        add(section, None, None, f"这些步骤或结果从起点走不到：{'、'.join(unreachable)}")
    return problems


def _check_known(node: Node, section: str, where: str, add: Any) -> None:
    """A question the data may answer: a known fact, and each of its values on at most one answer."""
    if not node.is_question:
        if node.data_decides:
            add(section, "data_decides", None, f"{where} 是说明步骤，data_decides 只用于问题")
        return
    whens = [v for a in node.answers for v in a.when]
    if node.data_decides and not node.known:
        add(section, "data_decides", None, f"{where} 写了 data_decides，但没有写 known（由哪项数据回答）")
    if not node.known:
        if whens:
            add(section, "answers", None, f"{where} 的回答写了 when，但问题没有写 known（由哪项数据回答）")
        return
    spec = FACTS.get(node.known)
    if spec is None:
        add(
            section,
            "known",
            None,
            f"{where} 的 known“{node.known}”不是工作台认识的数据（可用：{'、'.join(FACTS)}）",
        )
        return
    if not whens:
        add(section, "known", None, f"{where} 写了 known，但没有哪个回答写了 when（数据的哪个值对应它）")
    if node.data_decides and any(not a.when for a in node.answers):
        add(
            section,
            "data_decides",
            None,
            f"{where} 写了 data_decides，但有回答没写 when：数据不能替操作员选它，这个问题要问",
        )
    seen: set[str] = set()
    for value in whens:
        if value not in spec.values:
            add(
                section,
                None,
                value,
                f"{where} 的 when“{value}”不是“{spec.label}”的值（可用：{'、'.join(spec.values)}）",
            )
        elif value in seen:
            add(section, None, value, f"{where} 有两个回答都对应“{value}”")
        seen.add(value)


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _section_name(header: str) -> str:
    return ".".join(part.strip().strip('"').strip("'") for part in header.split("."))


def locate(text: str, where: Where) -> int:
    """The 1-based line of a problem: the value at fault, else the key, else the section's header."""
    section, key, value = where
    lines = text.splitlines()
    headers = [(i, _section_name(m.group(1))) for i, line in enumerate(lines) if (m := _HEADER.match(line))]
    if section:
        start = next((i for i, name in headers if name == section), None)
        if start is None:
            return 1
    else:
        start = -1
    end = next((i for i, _ in headers if i > start), len(lines))
    body = range(start + 1, end)
    if value is not None:
        for i in body:
            if f'"{value}"' in lines[i] or f"'{value}'" in lines[i]:
                return i + 1
    if key is not None:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in body:
            if pattern.match(lines[i]):
                return i + 1
    return start + 1 if start >= 0 else 1


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
    broken: tuple[PlaybookProblem, ...] = ()  # each problem of the shop's files that could not be used

    @property
    def problems(self) -> tuple[str, ...]:
        """The broken files in the window's words, one line per file."""
        by_file: dict[str, list[PlaybookProblem]] = {}
        for p in self.broken:
            by_file.setdefault(p.path, []).append(p)
        return tuple(
            "；".join(p.words() for p in found) + "。暂时使用软件自带的流程。" for found in by_file.values()
        )

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


def load_file(path: Path, script_ids: set[str], *, shown_as: str | None = None) -> Playbook:
    """A playbook file, checked; a PlaybookError names every problem with its line.

    shown_as: how problems name the file (a shop's copy: its full path); its name by default.
    """
    name = shown_as or path.name
    text = _read_text(path)
    try:
        data = _loads(text, path)
    except PlaybookError as exc:
        problems = tuple(PlaybookProblem(name, p.line, p.reason) for p in exc.problems)
        raise PlaybookError(exc.message, problems) from exc
    try:
        pb = _parse(data, path.name)
    except _Bad as bad:
        problem = PlaybookProblem(name, locate(text, bad.where), bad.reason)
        raise PlaybookError(f"流程文件“{path.name}”{bad.reason}（第 {problem.line} 行）", (problem,)) from bad
    found = check(pb, script_ids)
    if found:
        problems = tuple(PlaybookProblem(name, locate(text, where), reason) for where, reason in found)
        raise PlaybookError(
            f"流程文件“{path.name}”有 {len(problems)} 处问题："
            + "；".join(f"第 {p.line} 行：{p.reason}" for p in problems),
            problems,
        )
    return pb


def load_playbooks(shop_dir: Path | None = None, script_ids: set[str] | None = None) -> PlaybookSet:
    """Shipped playbooks, each replaced by a valid shop copy of the same id; broken copies are reported."""
    ids = script_ids if script_ids is not None else set(load_scripts())
    shipped = {}
    for path in sorted(PLAYBOOK_DIR.glob("*.toml")):
        pb = load_file(path, ids)
        shipped[pb.id] = pb
    broken: list[PlaybookProblem] = []
    if shop_dir is not None and shop_dir.is_dir():
        for path in sorted(shop_dir.glob("*.toml")):
            try:
                own = load_file(path, ids, shown_as=str(path))
            except PlaybookError as exc:
                log.warning("shop playbook %s unusable: %s", path, exc.message)
                broken += exc.problems or (PlaybookProblem(str(path), 0, exc.message),)
                continue
            if own.id not in shipped:
                line = locate(path.read_text(encoding="utf-8"), ("", "id", None))
                broken.append(PlaybookProblem(str(path), line, f"id“{own.id}”不对应任何自带流程，已忽略"))
                continue
            shipped[own.id] = own
    return PlaybookSet({pb.case_type: pb for pb in shipped.values()}, tuple(broken))
