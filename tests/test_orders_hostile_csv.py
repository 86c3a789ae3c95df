"""Hostile CSV exports and inputs: a 20 MB cell, endless lines, short rows, formula-like order numbers,
pipes and devices named as the file to import."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desk.errors import DeskError
from tests.test_orders_import import PDD_2020
from tests.timing import SLACK

REPO = Path(__file__).resolve().parents[1]

PDD = PDD_2020  # 拼多多 订单导出 (2020), 34 columns
assert len(PDD) == 34


def order(n: int, **extra: str) -> list[str]:
    row = dict.fromkeys(PDD, "")
    row.update(
        {
            "商品": "加厚收纳盒",
            "订单号": f"261120-{n:015d}",
            "订单状态": "已收货",
            "商品数量(件)": "1",
            "支付时间": "2026-11-20 10:00:00",
            "商家编码-SKU维度": "SNH-L",
            "商品总价(元)": "9.90",
            "用户实付金额(元)": "9.90",
        }
    )
    row.update(extra)
    return [row[h] for h in PDD]


def write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(PDD)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def no_english(text: str) -> bool:
    """The message has no English fragment (the csv module's "field larger than field limit")."""
    return not re.search(r"[A-Za-z]{3,}", text.replace("CSV", "").replace("Excel", ""))


# -- a 20 MB cell, an endless line ------------------------------------------------------------------


@pytest.mark.parametrize("quoted", [False, True], ids=["bare", "quoted-multiline"])
def test_a_20_mb_cell_fails_its_row_and_the_rest_imports(desk, tmp_path: Path, quoted: bool) -> None:  # type: ignore[no-untyped-def]
    # Quoted: quotes (escaped as "") and newlines inside, so the record runs over many lines.
    huge = '收纳"盒"\n' * 3_500_000 if quoted else "x" * (20 << 20)  # 21 and 20 million characters
    path = write_rows(tmp_path / "big.csv", [order(1), order(2, 商品=huge), order(3), order(4)])
    assert path.stat().st_size > 19 << 20
    report = desk.orders.import_file(path)
    assert (report.rows, report.imported) == (4, 3)
    [(row, reason)] = [(p.row, p.reason) for p in report.failed]
    assert row == 3 and "超过" in reason and "未导入" in reason and no_english(reason), reason
    assert desk.orders.find(f"261120-{4:015d}") is not None


def test_a_line_without_end_is_skipped_without_holding_it(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_rows(tmp_path / "endless.csv", [order(1), order(2)])
    with path.open("ab") as fh:
        fh.write(b"x" * (30 << 20))  # 30 MB, no newline, no quote: the file ends inside it
    report = desk.orders.import_file(path)
    assert report.imported == 2
    assert [p.row for p in report.failed] == [4] and no_english(report.failed[0].reason)


def test_an_unclosed_quote_costs_the_rest_of_the_file_not_an_error(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [order(1), order(2, 商品='"未闭合')]
    path = write_rows(tmp_path / "q.csv", rows)
    raw = path.read_bytes().replace(
        b'"""\xe6\x9c\xaa\xe9\x97\xad\xe5\x90\x88"', b'"\xe6\x9c\xaa\xe9\x97\xad\xe5\x90\x88'
    )
    path.write_bytes(raw + (b"261120-000000000000009,x\r\n" * 10))
    report = desk.orders.import_file(path)
    assert report.imported == 1 and report.failed and no_english(report.failed[0].reason)


# -- short rows -----------------------------------------------------------------------------------------


def test_a_short_row_says_how_many_columns_it_has(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_rows(tmp_path / "short.csv", [order(1), order(2)[:3], order(3)])
    report = desk.orders.import_file(path)
    assert report.imported == 2
    assert [(p.row, p.reason) for p in report.failed] == [
        (3, "这一行只有 3 列，表头有 34 列（可能断行或少了分隔符），未导入")
    ]


def test_a_row_missing_only_unread_trailing_columns_still_imports(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 是否抽奖或0元试用 is the last column and the import does not read it.
    path = write_rows(tmp_path / "trail.csv", [order(1)[:33]])
    report = desk.orders.import_file(path)
    assert report.imported == 1 and not report.failed


# -- order numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("=1+1", "像是表格公式"),
        ("+8613812348000", "像是表格公式"),
        ("@SUM(A1)", "像是表格公式"),
        ("-1", "像是表格公式"),
        ('=HYPERLINK("http://x","点我")', "像是表格公式"),
        ("261120-0001<script>", "只能由字母、数字"),
        ("SO20261120001", "拼多多的订单号"),
    ],
)
def test_an_order_number_that_is_not_one_fails_its_row(desk, tmp_path: Path, number: str, words: str) -> None:  # type: ignore[no-untyped-def]
    path = write_rows(tmp_path / "f.csv", [order(1), order(2, 订单号=number)])
    report = desk.orders.import_file(path)
    assert report.imported == 1
    [problem] = report.failed
    assert problem.row == 3 and words in problem.reason, problem.reason
    assert desk.orders.list_ids() and desk.orders.find(number) is None


def test_a_formula_like_after_sales_number_fails_its_row(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = ["售后编号", "订单编号", "售后状态", "退款类型", "退款原因", "退款金额", "申请时间"]
    path = tmp_path / "售后.csv"
    path.write_text(
        ",".join(header)
        + "\n"
        + "12345,261120-000000000000001,退款成功,仅退款,少件,9.90,2026-11-20 10:00:00\n"
        + "=1+1,261120-000000000000002,退款成功,仅退款,少件,9.90,2026-11-20 10:00:00\n",
        encoding="utf-8",
    )
    report = desk.orders.import_file(path)
    assert report.imported == 1 and [p.row for p in report.failed] == [3]
    assert "售后编号“=1+1”像是表格公式" in report.failed[0].reason


# -- pipes and devices ---------------------------------------------------------------------------------


def run_cli(profile: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("command", [["import-orders"], ["products", "import"]], ids=["orders", "products"])
def test_importing_a_fifo_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    started = time.perf_counter()
    try:
        out = run_cli(tmp_path / "p", *command, str(fifo), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("importing a FIFO blocked")
    assert out.returncode != 0
    assert "管道" in out.stderr + out.stdout, out.stderr
    assert time.perf_counter() - started < 30 * SLACK


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_preview_and_import_of_a_fifo_or_device_never_block(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "商品.csv"
    os.mkfifo(fifo)
    calls = [
        lambda: desk.orders.inspect(fifo).problem,
        lambda: desk.products.inspect(fifo).problem,
        lambda: desk.orders.import_file(fifo),
        lambda: desk.products.import_file(fifo),
        lambda: desk.orders.import_file(Path("/dev/zero")),
        lambda: desk.orders.import_file(tmp_path),
    ]
    for call in calls:
        result: list[object] = []

        def attempt(call=call, result=result) -> None:  # type: ignore[no-untyped-def]
            try:
                result.append(call())
            except DeskError as exc:
                result.append(exc.message)

        t = threading.Thread(target=attempt, daemon=True)
        t.start()
        t.join(10)
        assert not t.is_alive(), "reading a pipe or device blocked"
        assert re.search("管道|设备|文件夹", str(result[0])), result
