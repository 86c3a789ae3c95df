"""Platform profiles: every shipped file is valid, unverified values say so, the operator's copy wins."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from desk.domain import CaseStatus, Platform
from desk.platforms import PlatformProfileError, PlatformProfiles, read_profile_file
from desk.platforms.loader import SHIPPED_DIR, parse_profile, profile_to_data
from desk.platforms.tomlw import dumps

SHIPPED = sorted(SHIPPED_DIR.glob("*.toml"))


def test_every_platform_has_a_profile() -> None:
    profiles = PlatformProfiles(None)
    covered = {p.platform for p in profiles.all()}
    assert covered == set(Platform) - {Platform.OTHER}
    assert next(p.platform for p in profiles.all()) == Platform.PDD  # 拼多多 first


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_profile_is_valid(path: Path) -> None:
    profile = read_profile_file(path)
    assert profile.after_sales_types and profile.statuses and profile.appeal_types
    assert set(profile.lists) == {"statuses", "after_sales_types", "reasons", "appeal_types"}
    for setting in (*profile.limits, *profile.timers):
        assert setting.label and setting.unit
        if setting.verified:
            assert setting.value is not None and setting.source, setting.key
        else:
            # An unverified value says why: a note or a (weak) source.
            assert setting.note or setting.source, setting.key
    for status in profile.statuses:
        assert status.desk_status is None or isinstance(status.desk_status, CaseStatus)
    # What the desk writes for the operator's copy reads back as the same profile.
    again = parse_profile(tomllib.loads(dumps(profile_to_data(profile))), key=profile.key, source=path.name)
    assert again == profile


def test_pdd_profile_holds_the_appeal_centre() -> None:
    pdd = PlatformProfiles(None).get("pdd")
    labels = pdd.appeal_labels()
    for label in (
        "维权申诉 · 纠纷退款率申诉",
        "维权申诉 · 货款申诉",
        "维权申诉 · 运费申诉",
        "极速退款申诉 · 已发货",
    ):
        assert label in labels
    assert "订单赔偿申诉 · 赔付单申诉" in labels
    assert {"仅退款", "退货退款", "换货", "补寄", "维修"} <= set(pdd.after_sales_types)
    # PDD's limits were not found in any public source: the profile says so instead of inventing numbers.
    image_count = pdd.setting("image_count")
    assert image_count is not None and image_count.value is None and not image_count.verified
    timer = pdd.setting("merchant_response")
    assert timer is not None and timer.value == 48 and not timer.verified
    assert "商家处理售后时限" in pdd.unverified()
    assert pdd.desk_status_for("退款成功") == CaseStatus.REFUNDED


def test_wechat_values_are_verified() -> None:
    wechat = PlatformProfiles(None).get("wechat")
    proof = wechat.setting("proof_text_chars")
    assert proof is not None and proof.value == 500 and proof.verified
    images = wechat.setting("dispute_image_count")
    assert images is not None and images.value == 20 and images.verified


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"platform": "某宝"}, ["platform", "不是已知平台"]),
        ({"title": ""}, ["title"]),
        ({"after_sales_types": ["仅退款", "仅退款"]}, ["after_sales_types", "重复"]),
        (
            {"limits": {"x": {"label": "上限", "unit": "张", "value": -1, "verified": False}}},
            ["limits.x", "整数"],
        ),
        ({"limits": {"x": {"label": "上限", "unit": "张", "value": 3}}}, ["verified"]),
        ({"limits": {"x": {"label": "上限", "unit": "张", "verified": True}}}, ["已核实", "value"]),
        ({"statuses": [{"name": "甲", "desk_status": "乱写"}]}, ["desk_status", "乱写"]),
        ({"lists": {}}, ["lists.statuses"]),
        ({"primary_output": "传真"}, ["primary_output", "upload_kit", "传真"]),
    ],
)
def test_bad_profile_is_refused_naming_file_and_field(change: dict, words: list[str]) -> None:  # type: ignore[type-arg]
    data = tomllib.loads((SHIPPED_DIR / "pdd.toml").read_text(encoding="utf-8"))
    data.update(change)
    with pytest.raises(PlatformProfileError) as info:
        parse_profile(data, key="pdd", source="pdd.toml")
    assert "pdd.toml" in info.value.message
    for word in words:
        assert word in info.value.message


def test_operator_sets_an_unverified_value_then_restores_defaults(tmp_path: Path) -> None:
    profiles = PlatformProfiles(tmp_path / "platforms")
    changed = profiles.set_setting("pdd", "image_count", value=9, verified=True, source="商家后台申诉页面")
    assert changed.setting("image_count").value == 9  # type: ignore[union-attr]
    copy = tmp_path / "platforms" / "pdd.toml"
    assert copy.is_file()
    # A new desk on the same folder reads the operator's copy.
    again = PlatformProfiles(tmp_path / "platforms").get("pdd")
    assert again.user_copy and again.setting("image_count").value == 9  # type: ignore[union-attr]
    assert "申诉图片张数上限" not in again.unverified()
    restored = profiles.restore_defaults("pdd")
    assert not copy.exists() and not restored.user_copy
    assert restored.setting("image_count").value is None  # type: ignore[union-attr]


def test_pdd_sends_the_upload_kit_first_and_a_user_copy_keeps_that(tmp_path: Path) -> None:
    """拼多多's 维权申诉 takes pictures and text: its primary output is the upload kit; others print."""
    profiles = PlatformProfiles(tmp_path / "platforms")
    assert profiles.primary_output(Platform.PDD) == "upload_kit"
    assert profiles.primary_output(Platform.TAOBAO) == "pdf"
    profiles.set_setting("pdd", "image_count", value=9, verified=True, source="商家后台申诉页面")
    again = PlatformProfiles(tmp_path / "platforms")
    assert again.get("pdd").user_copy and again.primary_output(Platform.PDD) == "upload_kit"


def test_broken_user_copy_falls_back_to_defaults_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "platforms"
    folder.mkdir()
    (folder / "pdd.toml").write_text('platform = "拼多多"\ntitle = ', encoding="utf-8")
    profiles = PlatformProfiles(folder)
    pdd = profiles.get("pdd")
    assert not pdd.user_copy
    assert profiles.problems and "pdd.toml" in profiles.problems[0] and "默认" in profiles.problems[0]


def test_desk_uses_the_profile_folder(desk) -> None:  # type: ignore[no-untyped-def]
    desk.platforms.set_setting("douyin", "image_count", value=6, verified=False)
    assert (desk.profile.root / "platforms" / "douyin.toml").is_file()
    assert desk.platforms.for_platform(Platform.DOUYIN).setting("image_count").value == 6
