"""Read, check and store platform profiles.

Shipped defaults live in ``resources/platforms/<key>.toml``. The operator's own copy of a profile lives in
``<profile folder>/platforms/<key>.toml`` and, when present and valid, replaces the shipped one; the desk
writes it when the operator sets a value, and "restore defaults" deletes it.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desk.domain import CaseStatus, CaseType, Platform
from desk.errors import DeskError
from desk.fileops import write_text_atomically
from desk.platforms.model import AppealType, ListFacts, PlatformProfile, PlatformStatus, Setting
from desk.platforms.tomlw import dumps
from desk.resources import resource

log = logging.getLogger(__name__)

SHIPPED_DIR = resource("platforms")
USER_FOLDER = "platforms"
LIST_KEYS = ("statuses", "after_sales_types", "reasons", "appeal_types")
MAX_VALUE = 10**9


# The outputs a platform's appeal can be sent as first (PlatformProfile.primary_output).
PRIMARY_OUTPUTS = ("upload_kit", "pdf")


class PlatformProfileError(DeskError):
    """A platform profile file that cannot be used; the message names the file and the field."""


def _fail(source: str, where: str, why: str) -> PlatformProfileError:
    return PlatformProfileError(f"平台资料“{source}”中的 {where} {why}")


def _strings(data: Any, source: str, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(x, str) and x.strip() for x in data):
        raise _fail(source, where, "应为由非空文字组成的列表")
    items = tuple(x.strip() for x in data)
    if len(set(items)) != len(items):
        dup = next(x for x in items if items.count(x) > 1)
        raise _fail(source, where, f"有重复项“{dup}”")
    return items


def _text(raw: dict[str, Any], key: str, source: str, where: str, *, required: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(source, f"{where}.{key}", "应为非空文字" if required else "应为文字")
    return value.strip()


def _settings(data: Any, source: str, section: str) -> tuple[Setting, ...]:
    if not isinstance(data, dict):
        raise _fail(source, f"[{section}]", "应为一个表")
    out = []
    for key, raw in data.items():
        where = f"[{section}.{key}]"
        if not isinstance(raw, dict):
            raise _fail(source, where, "应为一个表（label、unit、value、verified、source）")
        unknown = set(raw) - {"label", "unit", "value", "verified", "source", "note"}
        if unknown:
            raise _fail(source, where, f"有未知的项：{'、'.join(sorted(unknown))}")
        value = raw.get("value")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE
        ):
            raise _fail(source, f"{where}.value", f"应为 0 到 {MAX_VALUE} 之间的整数，现在是 {value!r}")
        verified = raw.get("verified")
        if not isinstance(verified, bool):
            raise _fail(source, f"{where}.verified", "必须写明 true 或 false（数值是否已核实）")
        setting = Setting(
            key=str(key),
            label=_text(raw, "label", source, where, required=True),
            value=value,
            unit=_text(raw, "unit", source, where, required=True),
            verified=verified,
            source=_text(raw, "source", source, where),
            note=_text(raw, "note", source, where),
        )
        if setting.verified and (setting.value is None or not setting.source):
            raise _fail(source, where, "标为已核实时必须有数值（value）和出处（source）")
        out.append(setting)
    return tuple(out)


def parse_profile(data: dict[str, Any], *, key: str, source: str, user_copy: bool = False) -> PlatformProfile:
    """Check one profile's data and build it; raises PlatformProfileError naming the file and field."""
    try:
        platform = Platform(str(data.get("platform")))
    except ValueError as exc:
        allowed = "、".join(str(p) for p in Platform)
        raise _fail(source, "platform", f"“{data.get('platform')}”不是已知平台（可选：{allowed}）") from exc
    statuses = []
    raw_statuses = data.get("statuses", [])
    if not isinstance(raw_statuses, list):
        raise _fail(source, "[[statuses]]", "应为表的数组")
    for i, raw in enumerate(raw_statuses, 1):
        where = f"第 {i} 个 [[statuses]]"
        if not isinstance(raw, dict):
            raise _fail(source, where, "应为一个表")
        desk_status = raw.get("desk_status")
        if desk_status is not None:
            try:
                desk_status = CaseStatus(desk_status)
            except ValueError as exc:
                allowed = "、".join(str(s) for s in CaseStatus)
                raise _fail(
                    source, f"{where}.desk_status", f"“{desk_status}”不是工作台状态（可选：{allowed}）"
                ) from exc
        code = raw.get("code", "")
        statuses.append(
            PlatformStatus(
                name=_text(raw, "name", source, where, required=True),
                desk_status=desk_status,
                code=str(code),
            )
        )
    names = [s.name for s in statuses]
    if len(set(names)) != len(names):
        raise _fail(source, "[[statuses]]", f"有重复的状态名“{next(n for n in names if names.count(n) > 1)}”")
    appeal_types = []
    raw_appeals = data.get("appeal_types", [])
    if not isinstance(raw_appeals, list):
        raise _fail(source, "[[appeal_types]]", "应为表的数组")
    for i, raw in enumerate(raw_appeals, 1):
        where = f"第 {i} 个 [[appeal_types]]"
        if not isinstance(raw, dict):
            raise _fail(source, where, "应为一个表")
        appeal_types.append(
            AppealType(
                name=_text(raw, "name", source, where, required=True),
                subtypes=_strings(raw.get("subtypes", []), source, f"{where}.subtypes"),
                note=_text(raw, "note", source, where),
            )
        )
    appeal_names = [a.name for a in appeal_types]
    if len(set(appeal_names)) != len(appeal_names):
        raise _fail(source, "[[appeal_types]]", "有重复的申诉类型")
    lists = {}
    raw_lists = data.get("lists")
    if not isinstance(raw_lists, dict):
        raise _fail(source, "[lists]", "缺少：每个列表都要写明是否已核实与出处")
    for name in LIST_KEYS:
        raw = raw_lists.get(name)
        if not isinstance(raw, dict) or not isinstance(raw.get("verified"), bool):
            raise _fail(source, f"[lists.{name}]", "缺少 verified = true/false")
        lists[name] = ListFacts(
            verified=raw["verified"], source=_text(raw, "source", source, f"[lists.{name}]")
        )
    reason_types: dict[str, CaseType] = {}
    raw_reasons = data.get("reason_types", {})
    if not isinstance(raw_reasons, dict):
        raise _fail(source, "[reason_types]", "应为一个表（退款原因 = 售后类型）")
    for reason, type_name in raw_reasons.items():
        try:
            reason_types[str(reason).strip()] = CaseType(type_name)
        except ValueError as exc:
            allowed = "、".join(str(t) for t in CaseType)
            raise _fail(
                source, f"reason_types.{reason}", f"“{type_name}”不是售后类型（可选：{allowed}）"
            ) from exc
    pause = data.get("pause_when_waiting", True)
    if not isinstance(pause, bool):
        raise _fail(source, "pause_when_waiting", "应为 true 或 false")
    primary = data.get("primary_output", "pdf")
    if primary not in PRIMARY_OUTPUTS:
        raise _fail(source, "primary_output", f"应为 {' 或 '.join(PRIMARY_OUTPUTS)}，现在是 {primary!r}")
    profile = PlatformProfile(
        key=key,
        platform=platform,
        title=_text(data, "title", source, "title", required=True),
        statuses=tuple(statuses),
        after_sales_types=_strings(data.get("after_sales_types", []), source, "after_sales_types"),
        reasons=_strings(data.get("reasons", []), source, "reasons"),
        appeal_types=tuple(appeal_types),
        limits=_settings(data.get("limits", {}), source, "limits"),
        timers=_settings(data.get("timers", {}), source, "timers"),
        pause_when_waiting=pause,
        primary_output=primary,
        lists=lists,
        reason_types=reason_types,
        summary=_text(data, "summary", source, "summary"),
        source_file=source,
        user_copy=user_copy,
    )
    if not profile.after_sales_types:
        raise _fail(source, "after_sales_types", "不能为空")
    return profile


def read_profile_file(path: Path, *, user_copy: bool = False) -> PlatformProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PlatformProfileError(f"平台资料“{path.name}”格式有误：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise PlatformProfileError(f"平台资料“{path.name}”不是 UTF-8 编码") from exc
    except OSError as exc:
        raise PlatformProfileError(f"无法读取平台资料“{path}”：{exc.strerror or exc}") from exc
    return parse_profile(data, key=path.stem, source=path.name, user_copy=user_copy)


def profile_to_data(p: PlatformProfile) -> dict[str, Any]:
    """The TOML shape of a profile (what read_profile_file reads back)."""

    def setting(s: Setting) -> dict[str, Any]:
        out: dict[str, Any] = {"label": s.label, "unit": s.unit}
        if s.value is not None:
            out["value"] = s.value
        out["verified"] = s.verified
        if s.source:
            out["source"] = s.source
        if s.note:
            out["note"] = s.note
        return out

    data: dict[str, Any] = {
        "platform": str(p.platform),
        "title": p.title,
        "summary": p.summary,
        "pause_when_waiting": p.pause_when_waiting,
        "primary_output": p.primary_output,
        "after_sales_types": list(p.after_sales_types),
        "reasons": list(p.reasons),
        "lists": {k: {"verified": v.verified, "source": v.source} for k, v in p.lists.items()},
        "reason_types": {k: str(v) for k, v in p.reason_types.items()},
        "limits": {s.key: setting(s) for s in p.limits},
        "timers": {s.key: setting(s) for s in p.timers},
        "statuses": [
            {
                "name": s.name,
                **({"desk_status": str(s.desk_status)} if s.desk_status else {}),
                **({"code": s.code} if s.code else {}),
            }
            for s in p.statuses
        ],
        "appeal_types": [
            {"name": a.name, "subtypes": list(a.subtypes), **({"note": a.note} if a.note else {})}
            for a in p.appeal_types
        ],
    }
    return data


class PlatformProfiles:
    """The profiles a desk uses: shipped defaults, each replaced by the operator's copy if there is one."""

    def __init__(self, user_dir: Path | None, shipped_dir: Path = SHIPPED_DIR) -> None:
        self._user_dir = user_dir
        self._shipped_dir = shipped_dir
        self._cache: dict[str, PlatformProfile] | None = None
        self.problems: list[str] = []  # user copies that could not be used, in plain words

    @property
    def user_dir(self) -> Path | None:
        return self._user_dir

    def shipped_files(self) -> list[Path]:
        return sorted(self._shipped_dir.glob("*.toml"))

    def _load(self) -> dict[str, PlatformProfile]:
        if self._cache is not None:
            return self._cache
        profiles: dict[str, PlatformProfile] = {}
        problems: list[str] = []
        for path in self.shipped_files():
            profiles[path.stem] = read_profile_file(path)
        if self._user_dir is not None and self._user_dir.is_dir():
            for path in sorted(self._user_dir.glob("*.toml")):
                try:
                    profiles[path.stem] = read_profile_file(path, user_copy=True)
                except PlatformProfileError as exc:
                    log.warning("user platform profile ignored: %s", exc.message)
                    problems.append(f"{exc.message}（已改用默认资料）")
        self._cache = profiles
        self.problems = problems
        return profiles

    def reload(self) -> None:
        self._cache = None

    def all(self) -> list[PlatformProfile]:
        order = {p: i for i, p in enumerate(Platform)}
        return sorted(self._load().values(), key=lambda p: (order[p.platform], p.key))

    def get(self, key: str) -> PlatformProfile:
        try:
            return self._load()[key]
        except KeyError as exc:
            raise PlatformProfileError(f"没有名为“{key}”的平台资料") from exc

    def for_platform(self, platform: Platform) -> PlatformProfile | None:
        for p in self.all():
            if p.platform == platform:
                return p
        return None

    def primary_output(self, platform: Platform) -> str:
        """ "upload_kit" or "pdf": what this platform's appeal is sent as first (the window's main action)."""
        try:
            p = self.for_platform(platform)
        except DeskError:  # a broken user copy: the PDF works for every platform
            return "pdf"
        return "pdf" if p is None else p.primary_output

    def pauses_clock(self, platform: Platform) -> bool:
        p = self.for_platform(platform)
        return True if p is None else p.pause_when_waiting

    # -- the operator's copies -------------------------------------------------------------------------

    def save_user_copy(self, profile: PlatformProfile) -> PlatformProfile:
        """Write the profile as the operator's copy (atomically) and use it from now on."""
        if self._user_dir is None:
            raise PlatformProfileError("这个工作台没有数据文件夹，无法保存平台资料。")
        text = (
            f"# {profile.title}售后平台资料：工作台里修改后保存的副本。\n"
            "# 删除这个文件（或在工作台里点“恢复默认”）即恢复随软件附带的默认资料。\n\n"
            + dumps(profile_to_data(profile))
        )
        # What is written must read back as the same profile, or it is not written at all.
        checked = parse_profile(
            tomllib.loads(text), key=profile.key, source=f"{profile.key}.toml", user_copy=True
        )
        self._user_dir.mkdir(parents=True, exist_ok=True)
        path = self._user_dir / f"{profile.key}.toml"
        try:
            write_text_atomically(path, text)
        except OSError as exc:
            raise PlatformProfileError(f"无法保存平台资料“{path}”：{exc.strerror or exc}") from exc
        self.reload()
        return checked

    def set_setting(
        self, key: str, setting_key: str, *, value: int | None, verified: bool, source: str = "操作员设置"
    ) -> PlatformProfile:
        """The operator sets a limit or timer (e.g. one the profile marks as unverified)."""
        from dataclasses import replace

        profile = self.get(key)
        if value is not None and not 0 <= value <= MAX_VALUE:
            raise PlatformProfileError(f"数值 {value} 超出范围（0 到 {MAX_VALUE}）")
        found = False

        def update(items: Iterable[Setting]) -> tuple[Setting, ...]:
            nonlocal found
            out = []
            for s in items:
                if s.key == setting_key:
                    found = True
                    s = replace(
                        s, value=value, verified=verified and value is not None, source=source or s.source
                    )
                out.append(s)
            return tuple(out)

        changed = replace(profile, limits=update(profile.limits), timers=update(profile.timers))
        if not found:
            raise PlatformProfileError(f"平台资料“{profile.title}”里没有“{setting_key}”这一项")
        return self.save_user_copy(changed)

    def restore_defaults(self, key: str) -> PlatformProfile:
        """Delete the operator's copy; the shipped profile is used again."""
        if self._user_dir is not None:
            path = self._user_dir / f"{key}.toml"
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise PlatformProfileError(f"无法删除“{path}”：{exc.strerror or exc}") from exc
        self.reload()
        return self.get(key)
