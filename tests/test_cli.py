"""The command line end to end: demo → cases → evidence → packet, as an operator would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

REPO = Path(__file__).resolve().parents[1]
# One demo profile, made once, for most tests here: on PostgreSQL one schema for the module.
pytestmark = pytest.mark.database_per_module


def run(profile: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DESK_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=180,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = tmp_path_factory.mktemp("cli") / "profile"
    out = run(profile, "demo")
    assert "演示数据" in out.stdout
    return profile


def test_demo_fills_every_case_type(demo_profile: Path) -> None:
    cases = json.loads(run(demo_profile, "cases", "--json").stdout)
    assert {c["case_type"] for c in cases} == {"漏发少件", "发错商品", "质量问题", "不想要了", "恶意售后"}
    assert len({c["shop_name"] for c in cases}) == 2
    missing = next(c for c in cases if c["case_type"] == "漏发少件" and c["after_sales_no"])
    evidence = json.loads(run(demo_profile, "evidence", "list", str(missing["id"]), "--json").stdout)
    kinds = {e["kind"] for e in evidence}
    assert {"仓库称重图", "快递内网重量图", "复称图", "聊天截图"} <= kinds
    # Running demo again does not duplicate.
    assert "已有售后记录" in run(demo_profile, "demo").stdout


def test_packet_has_chinese_type_order_number_and_embedded_font(demo_profile: Path, tmp_path: Path) -> None:
    cases = json.loads(run(demo_profile, "cases", "--json").stdout)
    case = next(c for c in cases if c["case_type"] == "漏发少件" and c["after_sales_no"])
    out = tmp_path / "a.pdf"
    result = run(demo_profile, "packet", str(case["id"]), "-o", str(out))
    assert "已生成" in result.stdout
    reader = pypdf.PdfReader(str(out))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "漏发少件" in text
    assert case["order_no"] in text
    embedded = False
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for desc_font in font.get("/DescendantFonts", [font]):
                desc = desc_font.get_object().get("/FontDescriptor")
                if desc is not None and "/FontFile2" in desc.get_object():
                    embedded = True
    assert embedded, "the CJK font is not embedded"
    assert "13812348000" not in text  # the demo note's phone never reaches the packet
    history = run(demo_profile, "cases", "--json")
    assert history.returncode == 0


def test_evidence_add_reports_rejections(demo_profile: Path, tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.jpg"
    bad.write_text("not an image", encoding="utf-8")
    good = tmp_path / "聊天截图.png"
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(good)
    cases = json.loads(run(demo_profile, "cases", "--json").stdout)
    cid = str(cases[-1]["id"])
    proc = run(demo_profile, "evidence", "add", cid, str(good), str(bad))
    assert "已导入：聊天截图.png（聊天截图" in proc.stdout
    assert "未导入：坏文件.jpg" in proc.stderr
    only_bad = run(demo_profile, "evidence", "add", cid, str(bad), check=False)
    assert only_bad.returncode == 1


def test_unknown_case_is_a_clear_error(demo_profile: Path, tmp_path: Path) -> None:
    proc = run(demo_profile, "packet", "99999", "-o", str(tmp_path / "x.pdf"), check=False)
    assert proc.returncode == 1
    assert "不存在" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.sqlite_only  # writes the version into the SQLite file
def test_newer_database_message(tmp_path: Path) -> None:
    import sqlite3

    profile = tmp_path / "p"
    run(profile, "cases")
    con = sqlite3.connect(profile / "desk.sqlite3")
    con.execute("DELETE FROM alembic_version")
    con.execute("INSERT INTO alembic_version VALUES ('9999')")
    con.commit()
    con.close()
    proc = run(profile, "cases", check=False)
    assert proc.returncode == 2 and "更新版本" in proc.stderr


def test_packet_kind_on_cover_and_unknown_kind_plain_error(demo_profile: Path, tmp_path: Path) -> None:
    cases = json.loads(run(demo_profile, "cases", "--json").stdout)
    case_id = str(cases[0]["id"])
    out = tmp_path / "k.pdf"
    # A freight appeal without the freight amount is not ready: refused with the list, a draft on request.
    refused = run(demo_profile, "packet", case_id, "--kind", "freight", "-o", str(out), check=False)
    assert refused.returncode == 2 and "✗ 维权申诉 · 运费申诉要写明运费金额" in refused.stderr
    assert not out.exists()
    run(demo_profile, "packet", case_id, "--kind", "freight", "--draft", "-o", str(out))
    text = "".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "维权申诉·运费申诉" in text and "草稿" in text
    proc = run(demo_profile, "packet", case_id, "--kind", "乱填", "-o", str(tmp_path / "x.pdf"), check=False)
    assert proc.returncode != 0
    assert "申诉类型“乱填”不是拼多多的申诉类型" in proc.stderr
    assert not (tmp_path / "x.pdf").exists()
