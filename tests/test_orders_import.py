"""Order and after-sales imports from the real export header sets (platform-facts.md §4), every encoding."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from desk.domain import CaseDraft, CaseStatus, CaseType, Platform
from desk.labels import platform_time
from desk.orders import importer as importer_module
from desk.orders.model import ExportKind

REPO = Path(__file__).resolve().parents[1]

# 拼多多 订单导出 as NingAnMe/pinduoduo-ERP maps it (2020): 商家编码-SKU维度.
PDD_2020 = [
    "商品",
    "订单号",
    "订单状态",
    "商品数量(件)",
    "是否审核中",
    "支付时间",
    "拼单成功时间",
    "订单确认时间",
    "承诺发货时间",
    "发货时间",
    "确认收货时间",
    "商品id",
    "商品规格",
    "样式ID",
    "商家编码-SKU维度",
    "商家编码-商品维度",
    "商家备注",
    "买家留言",
    "售后状态",
    "商品总价(元)",
    "店铺优惠折扣(元)",
    "平台优惠折扣(元)",
    "邮费(元)",
    "用户实付金额(元)",
    "商家实收金额(元)",
    "快递单号",
    "快递公司",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "详细地址",
    "是否抽奖或0元试用",
]
# The newer variant (a public test fixture): 商家编码-规格维度, 订单成交时间, 多多支付立减金额(元).
PDD_NEW = [
    "订单成交时间",
    "商品",
    "订单号",
    "订单状态",
    "商品总价(元)",
    "邮费(元)",
    "店铺优惠折扣(元)",
    "平台优惠折扣(元)",
    "多多支付立减金额(元)",
    "用户实付金额(元)",
    "商家实收金额(元)",
    "商品数量(件)",
    "发货时间",
    "确认收货时间",
    "商品id",
    "商品规格",
    "样式ID",
    "商家编码-规格维度",
    "商家编码-商品维度",
    "商家备注",
    "售后状态",
    "快递单号",
    "快递公司",
]
PDD_AFTER_SALES = [
    "售后编号",
    "订单编号",
    "发货运单号",
    "退货运单号",
    "售后状态",
    "退款类型",
    "退款原因",
    "订单状态",
    "交易金额",
    "退款金额",
    "申请时间",
    "退货物流状态",
    "买家",
]
TAOBAO_ORDERS = [
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "买家支付积分",
    "总金额",
    "返点积分",
    "买家实际支付金额",
    "买家实际支付积分",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址",
    "运送方式",
    "联系电话",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝种类",
    "物流单号",
    "物流公司",
    "订单备注",
    "宝贝总数量",
]
TAOBAO_ITEMS = [
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
]
DOUYIN = [
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品规格",
    "商品数量",
    "商家编码",
    "订单应付金额",
    "运费",
    "收件人",
    "收件人手机号",
    "详细地址",
    "订单提交时间",
    "商家备注",
    "订单完成时间",
    "订单状态",
    "售后状态",
    "取消原因",
    "发货时间",
    "平台实际承担优惠金额",
    "商家实际承担优惠金额",
    "达人实际承担优惠金额",
]
JD = [
    "订单号",
    "商品ID",
    "商品名称",
    "订购数量",
    "支付方式",
    "下单时间",
    "京东价",
    "订单金额",
    "结算金额",
    "余额支付",
    "应付金额",
    "订单状态",
    "订单类型",
    "下单帐号",
    "客户姓名",
    "客户地址",
    "联系电话",
    "订单备注",
    "发票类型",
    "发票抬头",
    "发票内容",
    "商家备注",
    "商家备注等级（等级1-5为由高到低）",
    "运费金额",
    "付款确认时间",
    "增值税发票",
    "货号",
    "订单完成时间",
    "订单来源",
    "订单渠道",
]

ORDER_A = "261120-583920174650321"
ORDER_B = "261121-000000000000002"


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "gbk") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[dict[str, object]], *, title: str = "") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header])
    wb.save(path)
    return path


def pdd_row(order_no: str = ORDER_A, **extra: str) -> dict[str, str]:
    row = {
        "商品": "加厚收纳盒",
        "订单号": order_no,
        "订单状态": "已收货",
        "商品数量(件)": "3",
        "支付时间": "2026-11-20 10:00:00",
        "订单成交时间": "2026-11-20 10:00:00",
        "发货时间": "2026-11-20 18:30:00",
        "确认收货时间": "2026-11-23 09:00:00",
        "商品id": "418273645",
        "商品规格": "灰色 大号",
        "样式ID": "1001",
        "商家编码-SKU维度": "SNH-L-GRY",
        "商家编码-规格维度": "SNH-L-GRY",
        "商家编码-商品维度": "SNH",
        "售后状态": "无售后或售后取消",
        "商品总价(元)": "89.70",
        "用户实付金额(元)": "89.70",
        "商家实收金额(元)": "87.50",
        "邮费(元)": "0",
        "快递单号": "YT7512049386021",
        "快递公司": "圆通速递",
        "收货人": "张三",
        "手机": "13812348000",
        "省": "浙江省",
        "市": "杭州市",
        "区": "西湖区",
        "详细地址": "文三路 1 号",
    }
    row.update(extra)
    return row


# -- header variants ------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [PDD_2020, PDD_NEW], ids=["SKU维度-2020", "规格维度-新版"])
def test_pdd_order_export_both_header_generations(desk, tmp_path: Path, header: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "orders_export.csv", header, [pdd_row()])
    report = desk.orders.import_file(path)
    assert (report.kind, report.platform) == (ExportKind.ORDERS, Platform.PDD)
    assert (report.imported, report.updated, report.failed) == (1, 0, ())
    order = desk.orders.find(ORDER_A)
    assert order.platform == Platform.PDD
    assert [(i.sku_code, i.product_name, i.spec, i.quantity) for i in order.items] == [
        ("SNH-L-GRY", "加厚收纳盒", "灰色 大号", 3)
    ]
    assert order.paid_amount == Decimal("89.70")
    assert order.received_amount == Decimal("87.50")
    assert (order.tracking_no, order.courier) == ("YT7512049386021", "圆通速递")
    # Times are China time in the file and UTC in the desk.
    assert order.shipped_at is not None and order.shipped_at.isoformat() == "2026-11-20T10:30:00+00:00"


def test_taobao_order_report_then_item_report(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = write_csv(
        tmp_path / "ExportOrderList.csv",
        TAOBAO_ORDERS,
        [
            {
                "订单编号": '="3918475620193847561"',
                "买家会员名": "tb_小王",
                "买家应付货款": "136.00",
                "买家应付邮费": "0.00",
                "买家实际支付金额": "136.00",
                "订单状态": "交易成功",
                "订单创建时间": "2026/11/18 20:01:02",
                "订单付款时间": "2026/11/18 20:01:30",
                "宝贝标题": "儿童加绒卫衣",
                "宝贝总数量": "2",
                "物流单号": "No:SF1420593871264",
                "物流公司": "顺丰速运",
            }
        ],
    )
    report = desk.orders.import_file(orders)
    assert (report.platform, report.imported) == (Platform.TAOBAO, 1)
    items = write_csv(
        tmp_path / "ExportOrderDetailList.csv",
        TAOBAO_ITEMS,
        [
            {
                "订单编号": "3918475620193847561",
                "标题": "儿童加绒卫衣",
                "价格": "68.00",
                "购买数量": "2",
                "商品属性": "颜色分类：粉色;尺码：110",
                "订单状态": "交易成功",
                "商家编码": "WY-PK-110",
            },
        ],
    )
    report = desk.orders.import_file(items)
    assert (report.kind, report.imported, report.updated) == (ExportKind.ORDER_ITEMS, 0, 1)
    order = desk.orders.find("3918475620193847561")
    assert order.platform == Platform.TAOBAO
    assert order.paid_amount == Decimal("136.00")  # kept from the order report
    assert order.buyer_nick == ""  # buyer data not stored by default
    assert [(i.sku_code, i.quantity, i.amount) for i in order.items] == [("WY-PK-110", 2, Decimal("136.00"))]
    # Importing the order report again keeps the items (it has no item columns).
    desk.orders.import_file(orders)
    assert len(desk.orders.find("3918475620193847561").items) == 1


def test_douyin_export_with_tab_prefixed_numbers(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "抖店订单.csv",
        DOUYIN,
        [
            {
                "主订单编号": "\t6917926768823643751",
                "子订单编号": "\t6917926768823643751",
                "选购商品": "\t辣丝丝",
                "商品规格": "\t1袋",
                "商品数量": "1",
                "商家编码": "\t300400008",
                "订单应付金额": "28.90",
                "运费": "0.00",
                "收件人": "##密文",
                "收件人手机号": "$$密文",
                "订单提交时间": "2026-09-22 00:54:10",
                "订单状态": "已完成",
                "售后状态": "退款成功",
                "发货时间": "2026-09-22 08:53:45",
                "平台实际承担优惠金额": "21.00",
                "商家实际承担优惠金额": "25.00",
            },
        ],
        encoding="utf-8-sig",
    )
    report = desk.orders.import_file(path)
    assert (report.platform, report.imported, report.failed) == (Platform.DOUYIN, 1, ())
    order = desk.orders.find("6917926768823643751")
    assert [(i.sku_code, i.product_name, i.quantity) for i in order.items] == [("300400008", "辣丝丝", 1)]
    assert (order.after_sales_status, order.platform_discount) == ("退款成功", Decimal("21.00"))


def test_jd_export_one_order_two_item_rows(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = {
        "订单号": "JD-MULTI-1",
        "下单时间": "2026-01-15 10:00:00",
        "订单金额": "500.00",
        "应付金额": "500.00",
        "订单状态": "等待出库",
        "客户姓名": "冯颖",
        "联系电话": "13912345678",
    }
    path = write_csv(
        tmp_path / "jd.csv",
        JD,
        [
            {
                **base,
                "商品ID": "SKU-A",
                "商品名称": "商品甲",
                "订购数量": "1",
                "京东价": "250.00",
                "货号": "A01",
            },
            {
                **base,
                "商品ID": "SKU-B",
                "商品名称": "商品乙",
                "订购数量": "2",
                "京东价": "125.00",
                "货号": "B02",
            },
        ],
    )
    report = desk.orders.import_file(path)
    assert (report.platform, report.imported, report.items) == (Platform.JD, 1, 2)
    order = desk.orders.find("JD-MULTI-1")
    assert [(i.sku_code, i.quantity) for i in order.items] == [("A01", 1), ("B02", 2)]
    assert order.total_quantity == 3
    assert order.receiver_name == "" and order.receiver_phone == ""


# -- encodings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("gbk", "GB18030"), ("gb18030", "GB18030"), ("utf-8-sig", "UTF-8（带 BOM）"), ("utf-8", "UTF-8")],
)
def test_encodings_are_detected(desk, tmp_path: Path, encoding: str, label: str) -> None:  # type: ignore[no-untyped-def]
    name = (
        "加厚收纳盒（灰色）" if encoding == "gbk" else "加厚收纳盒𠮷䶮"
    )  # GB18030-only characters beyond GBK
    rows = [pdd_row(商品=name, 商品规格="灰色 大号")] + [
        pdd_row(f"261120-{n:015d}", 商品="真空压缩袋", 商家编码="YSD-8") for n in range(1, 40)
    ]
    path = write_csv(tmp_path / "orders.csv", PDD_2020, rows, encoding=encoding)
    preview = desk.orders.inspect(path)
    assert preview.encoding.startswith(label)
    assert preview.kind == ExportKind.ORDERS and preview.platform == Platform.PDD
    report = desk.orders.import_file(path)
    assert report.encoding.startswith(label)
    assert report.imported == 40 and not report.failed
    assert desk.orders.find(ORDER_A).items[0].product_name == name


def test_preview_shows_mapping_and_first_rows_below_a_title_row(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(
        tmp_path / "售后.xlsx",
        PDD_AFTER_SALES,
        [{"售后编号": "1", "订单编号": ORDER_A}],
        title="售后列表导出",
    )
    preview = desk.orders.inspect(path)
    assert preview.importable and preview.header_row == 2
    assert (preview.kind, preview.file_type) == (ExportKind.AFTER_SALES, "XLSX")
    labels = {c.header: c.label for c in preview.mapping}
    assert labels["售后编号"] == "售后编号" and labels["退款原因"] == "退款原因"
    assert "不导入" in labels["买家"]  # buyer data off by default
    assert preview.rows[0][:2] == ("1", ORDER_A)


def test_unreadable_files_are_refused_with_a_reason(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "另存为" in desk.orders.inspect(xls).problem
    other = write_csv(tmp_path / "x.csv", ["姓名", "年龄"], [{"姓名": "a", "年龄": "1"}])
    problem = desk.orders.inspect(other).problem
    assert "找不到已知导出文件的表头" in problem and "姓名" in problem
    from desk.errors import DeskError

    with pytest.raises(DeskError, match="表头"):
        desk.orders.import_file(other)


# -- broken rows, quoted newlines, separators ---------------------------------------------------------


def test_broken_rows_are_reported_by_row_number_and_never_stop_the_file(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        pdd_row(
            f"261120-{1:015d}", 详细地址="文三路 1 号\n2 单元 301", 商品="收纳盒\n（灰色）"
        ),  # row 2, two lines
        pdd_row(f"261120-{2:015d}", **{"商品数量(件)": "三"}),  # row 3
        pdd_row(f"261120-{3:015d}", **{"用户实付金额(元)": "12.345"}),  # row 4
        pdd_row(f"261120-{4:015d}", 发货时间="昨天下午"),  # row 5
        pdd_row("", 商品="无单号"),  # row 6
        pdd_row("6.91792676882364E+18"),  # row 7
        pdd_row(f"261120-{8:015d}", **{"商品总价(元)": "1,089.70", "用户实付金额(元)": "1,089.70"}),  # row 8
        {"商品": "合计", "订单号": ""},  # row 9
        pdd_row(f"261120-{10:015d}"),  # row 10
    ]
    path = write_csv(tmp_path / "broken.csv", PDD_2020, rows)
    report = desk.orders.import_file(path)
    assert report.rows == 9
    assert report.imported == 3
    failed = {p.row: p.reason for p in report.failed}
    assert sorted(failed) == [3, 4, 5, 6, 7]
    assert "商品数量(件)“三”不是整数" in failed[3]
    assert "超过两位小数" in failed[4]
    assert "昨天下午" in failed[5]
    assert "订单号为空" in failed[6]
    assert "科学计数法" in failed[7]
    assert [p.row for p in report.skipped] == [9]
    assert desk.orders.find(f"261120-{8:015d}").paid_amount == Decimal("1089.70")
    assert desk.orders.find(f"261120-{8:015d}").goods_total == Decimal("1089.70")
    assert desk.orders.find(f"261120-{1:015d}").items[0].product_name == "收纳盒\n（灰色）"
    assert "第 3 行" not in report.summary() and "失败 5 行" in report.summary()


def test_undecodable_bytes_fail_only_their_row(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = write_csv(tmp_path / "a.csv", PDD_2020, [pdd_row(f"261120-{n:015d}") for n in range(1, 60)])
    data = good.read_bytes().split(b"\r\n")
    data[30] = data[30].replace("收纳盒".encode("gbk"), b"\x81\x20\xff")  # not GBK
    good.write_bytes(b"\r\n".join(data))
    report = desk.orders.import_file(good)
    assert [p.row for p in report.failed] == [31]
    assert "解码" in report.failed[0].reason
    assert report.imported == 58


def test_exact_duplicate_rows_and_repeated_headers_are_skipped(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    row = pdd_row()
    path = write_csv(
        tmp_path / "dup.csv",
        PDD_2020,
        [row, row, dict(zip(PDD_2020, PDD_2020, strict=True)), pdd_row(ORDER_B)],
    )
    report = desk.orders.import_file(path)
    assert report.imported == 2
    assert [(p.row, p.reason) for p in report.skipped] == [
        (3, "与第 2 行完全相同，按重复行跳过"),
        (4, "这是重复的表头行"),
    ]
    assert len(desk.orders.find(ORDER_A).items) == 1


# -- duplicates across imports ----------------------------------------------------------------------------


def test_reimport_updates_instead_of_duplicating(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        pdd_row(),
        pdd_row(ORDER_B, 商品="真空压缩袋", **{"商家编码-SKU维度": "YSD-8", "商品数量(件)": "1"}),
    ]
    rows.append(pdd_row(ORDER_B, 商品="挂钩", **{"商家编码-SKU维度": "GZ-12", "商品数量(件)": "2"}))
    path = write_csv(tmp_path / "a.csv", PDD_2020, rows)
    first = desk.orders.import_file(path)
    assert (first.imported, first.updated, first.items, first.products_learned) == (2, 0, 3, 3)
    second = desk.orders.import_file(path)
    assert (second.imported, second.updated, second.items, second.products_learned) == (0, 2, 3, 0)
    assert desk.orders.count() == 2
    assert [(i.sku_code, i.quantity) for i in desk.orders.find(ORDER_B).items] == [("YSD-8", 1), ("GZ-12", 2)]
    # A later export of the same order (now with a new tracking no.) updates it in place.
    rows[0] = pdd_row(快递单号="YT0000000000001", 订单状态="已签收")
    desk.orders.import_file(write_csv(tmp_path / "b.csv", PDD_2020, rows[:1]))
    order = desk.orders.find(ORDER_A)
    assert (order.tracking_no, order.status) == ("YT0000000000001", "已签收")
    assert desk.orders.count() == 2 and len(order.items) == 1


def test_cancel_keeps_whole_batches_and_reimport_completes(desk, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(importer_module, "BATCH_ROWS", 10)
    monkeypatch.setattr(importer_module, "PROGRESS_EVERY", 25)
    rows = []
    for n in range(1, 61):  # 60 orders of two item rows each: 120 rows
        rows += [
            pdd_row(f"261120-{n:015d}"),
            pdd_row(f"261120-{n:015d}", 商品="挂钩", **{"商家编码-SKU维度": "GZ"}),
        ]
    path = write_csv(tmp_path / "big.csv", PDD_2020, rows)
    report = desk.orders.import_file(path, cancel=lambda: True)
    assert report.cancelled and report.stopped_at_row is not None
    assert "已取消" in report.summary()
    kept = desk.orders.count()
    assert 0 < kept < 60
    # Every order written so far has both of its items: batches are cut between orders only.
    for order_id in desk.orders.list_ids():
        assert len(desk.orders.get(order_id).items) == 2
    again = desk.orders.import_file(path)
    assert (again.imported, again.updated) == (60 - kept, kept)
    assert desk.orders.count() == 60


# -- buyer personal data --------------------------------------------------------------------------------------


def test_buyer_data_only_with_opt_in_and_can_be_forgotten(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "a.csv", PDD_2020, [pdd_row()])
    report = desk.orders.import_file(path)
    assert any("买家信息" in n for n in report.notes)
    order = desk.orders.find(ORDER_A)
    assert (order.receiver_name, order.receiver_phone, order.receiver_address) == ("", "", "")
    desk.orders.set_store_buyer_info(True)
    desk.orders.import_file(path)
    order = desk.orders.find(ORDER_A)
    assert (order.receiver_name, order.receiver_phone) == ("张三", "13812348000")
    assert order.receiver_address == "浙江省 杭州市 西湖区 文三路 1 号"
    # Turning it off again does not erase by itself; forgetting does.
    desk.orders.set_store_buyer_info(False)
    desk.orders.import_file(path)
    assert desk.orders.find(ORDER_A).receiver_phone == "13812348000"
    assert desk.orders.forget_buyer_info() == 1
    assert desk.orders.find(ORDER_A).receiver_phone == ""


# -- after-sales export → cases ---------------------------------------------------------------------------------


def after_sales_rows() -> list[dict[str, object]]:
    return [
        {
            "售后编号": "9102847561203",
            "订单编号": ORDER_A,
            "发货运单号": "YT7512049386021",
            "售后状态": "待商家处理",
            "退款类型": "退款",
            "退款原因": "少件",
            "订单状态": "已发货",
            "交易金额": 89.7,
            "退款金额": "29.90",
            "申请时间": "2026-11-24 14:27:38",
            "买家": "王*: 1*****9",
        },
        {
            "售后编号": "9102847561388",
            "订单编号": ORDER_B,
            "发货运单号": "ZT75310498263",
            "售后状态": "退款成功",
            "退款类型": "退款退货",
            "退款原因": "质量问题",
            "订单状态": "已签收",
            "交易金额": "1,024.99",
            "退款金额": 24.99,
            "申请时间": "2026/5/28 14:27",
            "退货运单号": "SF100",
            "退货物流状态": "签收",
        },
        {"售后编号": "", "订单编号": ORDER_B, "退款原因": "少件"},
        {
            "售后编号": "9102847561400",
            "订单编号": "261122-000000000000009",
            "售后状态": "待商家处理",
            "退款类型": "退款",
            "退款原因": "七天无理由退货",
            "退款金额": "-3",
        },
    ]


def test_after_sales_export_creates_and_updates_cases(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A case the operator opened by order number before the export came in.
    existing, _ = desk.cases.create(
        CaseDraft(order_no=ORDER_A, case_type=CaseType.MISSING_ITEM, notes="买家很急")
    )
    path = write_xlsx(tmp_path / "aftersales.xlsx", PDD_AFTER_SALES, after_sales_rows())
    report = desk.orders.import_file(path)
    assert (report.kind, report.imported, report.updated) == (ExportKind.AFTER_SALES, 1, 1)
    assert {p.row: p.reason for p in report.failed} == {4: "售后编号为空", 5: "退款金额“-3.00”是负数"}
    case_a = desk.cases.get(existing.id)
    assert case_a.after_sales_no == "9102847561203"
    assert case_a.refund_amount == Decimal("29.90") and case_a.order_amount == Decimal("89.70")
    # The platform's type and reason go into the case's own fields, the rest into its platform facts;
    # the operator's notes are left as they were.
    assert (case_a.after_sales_type, case_a.after_sales_reason) == ("退款", "少件")
    assert case_a.notes == "买家很急"
    facts = case_a.facts
    assert (facts.platform_status, facts.platform_order_status) == ("待商家处理", "已发货")
    assert facts.applied_at is not None and platform_time(facts.applied_at) == "2026-11-24 14:27"
    synced = [e.words().line() for e in desk.cases.timeline(existing.id) if e.kind.value == "platform_synced"]
    assert synced == ["平台售后导入：售后状态：待商家处理；订单状态：已发货；售后申请时间：2026-11-24 14:27"]
    assert case_a.buyer_nick == ""  # 买家 is buyer data: not stored by default
    created = [c for c in report.case_ids if c != existing.id]
    case_b = desk.cases.get(created[0])
    assert (case_b.case_type, case_b.status) == (CaseType.QUALITY, CaseStatus.REFUNDED)
    assert case_b.order_amount == Decimal("1024.99") and case_b.tracking_no == "ZT75310498263"
    assert case_b.facts.return_tracking_no == "SF100" and case_b.notes == ""
    assert any(e.kind.value == "created" for e in desk.cases.timeline(case_b.id))

    # The platform moves on: the re-import updates status and the platform line, never duplicates.
    rows = after_sales_rows()
    rows[0]["售后状态"] = "平台处理中"
    desk.cases.update(case_b.id, status=CaseStatus.APPEALING)  # the operator is appealing this one
    rows[1]["售后状态"] = "退款关闭"
    again = desk.orders.import_file(write_xlsx(tmp_path / "aftersales2.xlsx", PDD_AFTER_SALES, rows))
    assert (again.imported, again.updated) == (0, 2)
    assert len(desk.cases.list_ids()) == 2
    case_a = desk.cases.get(existing.id)
    assert case_a.status == CaseStatus.NEGOTIATING
    assert case_a.notes == "买家很急" and case_a.facts.platform_status == "平台处理中"
    assert desk.cases.get(case_b.id).status == CaseStatus.APPEALING  # the operator's workflow wins
    changed = [e.field for e in desk.cases.timeline(existing.id) if e.kind.value == "field_changed"]
    assert "status" in changed and "after_sales_no" in changed


def test_after_sales_buyer_kept_with_opt_in(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "a.xlsx", PDD_AFTER_SALES, after_sales_rows()[:1])
    report = desk.orders.import_file(path, store_pii=True)
    assert desk.cases.get(report.case_ids[0]).buyer_nick == "王*: 1*****9"


# -- products -------------------------------------------------------------------------------------------


def test_products_learned_from_orders_without_weights_then_imported(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    desk.orders.import_file(
        write_csv(tmp_path / "o.csv", PDD_2020, [pdd_row(), pdd_row(ORDER_B, 商家编码="")])
    )
    learned = desk.products.list()
    assert {p.key for p in learned} == {"SNH-L-GRY"}
    assert [p.sku_code for p in desk.products.missing_weights()] == ["SNH-L-GRY"]
    sheet = write_xlsx(
        tmp_path / "商品资料.xlsx",
        ["商家编码", "商品名称", "规格", "单件重量(kg)", "包装重量(g)"],
        [
            {
                "商家编码": "SNH-L-GRY",
                "商品名称": "加厚收纳盒",
                "规格": "灰色 大号",
                "单件重量(kg)": 0.38,
                "包装重量(g)": 110,
            },
            {"商家编码": "YSD-8", "商品名称": "真空压缩袋", "单件重量(kg)": "0.52"},
            {"商家编码": "", "商品名称": "没有编码"},
            {"商家编码": "BAD", "单件重量(kg)": "很轻"},
        ],
    )
    report = desk.products.import_file(sheet)
    assert (report.imported, report.updated) == (1, 1)
    assert {p.row: p.reason for p in report.failed} == {
        4: "商家编码为空",
        5: "单件重量(kg)“很轻”不是重量（例如 1.25kg、1250g 或 2.5斤）",
    }
    weights = {p.sku_code: (p.unit_weight_g, p.packaging_g) for p in desk.products.list()}
    assert weights == {"SNH-L-GRY": (380, 110), "YSD-8": (520, None)}
    assert desk.products.missing_weights() == []
    csv_sheet = write_csv(
        tmp_path / "p.csv", ["商家编码", "重量(克)"], [{"商家编码": "YSD-8", "重量(克)": "1,050"}]
    )
    assert desk.products.import_file(csv_sheet).updated == 1
    assert {p.sku_code: p.unit_weight_g for p in desk.products.list()}["YSD-8"] == 1050


def test_after_sales_status_follows_the_platform_profile(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    pdd = desk.platforms.for_platform(Platform.PDD)
    statuses = tuple(
        replace(s, desk_status=CaseStatus.NEGOTIATING) if s.name == "待商家处理" else s for s in pdd.statuses
    )
    desk.platforms.save_user_copy(replace(pdd, statuses=statuses))  # the operator's own mapping
    report = desk.orders.import_file(write_xlsx(tmp_path / "a.xlsx", PDD_AFTER_SALES, after_sales_rows()[:1]))
    assert desk.cases.get(report.case_ids[0]).status == CaseStatus.NEGOTIATING


def test_after_sales_reason_follows_the_platform_profile(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """退款原因 → 售后类型 is data in the profile: the shipped mapping classifies, an operator's edit wins."""
    from dataclasses import replace

    rows = after_sales_rows()
    late = {
        **rows[0],
        "售后编号": "9102847561401",
        "订单编号": "261122-000000000000009",
        "退款原因": "发货履约原因",
    }
    report = desk.orders.import_file(write_xlsx(tmp_path / "a.xlsx", PDD_AFTER_SALES, [rows[0], late]))
    types = sorted(str(desk.cases.get(c).case_type) for c in report.case_ids)
    assert types == ["漏发少件", "漏发少件"]  # 少件 and 发货履约原因

    pdd = desk.platforms.for_platform(Platform.PDD)
    assert pdd.reason_types["疑似假货"] == CaseType.QUALITY
    desk.platforms.save_user_copy(
        replace(pdd, reason_types={**pdd.reason_types, "质量问题": CaseType.MALICIOUS})
    )
    again = desk.orders.import_file(write_xlsx(tmp_path / "b.xlsx", PDD_AFTER_SALES, [rows[1]]))  # 质量问题
    assert desk.cases.get(again.case_ids[0]).case_type == CaseType.MALICIOUS  # the user copy was read back


def test_profile_reason_mapping_is_checked() -> None:
    from desk.platforms.loader import PlatformProfileError, parse_profile, read_profile_file

    shipped = read_profile_file(REPO / "resources" / "platforms" / "pdd.toml")
    # Every reason a profile lists has a case type, so nothing falls to the guesswork below it.
    assert set(shipped.reasons) <= set(shipped.reason_types)
    import tomllib

    data = tomllib.loads((REPO / "resources" / "platforms" / "pdd.toml").read_text(encoding="utf-8"))
    data["reason_types"]["少件"] = "少了"
    with pytest.raises(PlatformProfileError, match=r"少了.*不是售后类型"):
        parse_profile(data, key="pdd", source="pdd.toml")
