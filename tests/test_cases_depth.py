"""Cases at full depth: money, trash, shops, saved views, bulk changes, exports."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseDraft, CaseFilter, CaseStatus, CaseType, DueFilter, Platform, Resolution
from desk.errors import NotFound, ValidationFailed
from desk.services.export import ExportFailed, export_cases


def test_money_fields_and_net_cost(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_amount=Decimal("89.70")))
    case, _ = desk.cases.update(
        case.id,
        refund_paid="29.90",
        compensation_paid="5",
        reship_cost="12.30",
        freight_paid="8",
        recovered_appeal="29.90",
        recovered_courier="10.00",
        resolution="补差价",
        after_sales_type="仅退款",
        after_sales_reason="少件",
        appeal_type="维权申诉 · 货款申诉",
    )
    assert case.net_cost == Decimal("15.30")
    assert case.resolution == Resolution.COMPENSATE
    assert (case.after_sales_type, case.after_sales_reason) == ("仅退款", "少件")
    fields = {e.field: (e.old, e.new) for e in desk.cases.timeline(case.id) if e.field}
    assert fields["compensation_paid"] == ("", "5.00")
    assert fields["resolution"] == ("NONE", "COMPENSATE")  # keys; the operator reads words:
    said = {e.field: e.words().line() for e in desk.cases.timeline(case.id) if e.field}
    assert said["resolution"] == "修改处理方式：未定 → 补差价"
    with pytest.raises(ValidationFailed, match="补发成本"):
        desk.cases.update(case.id, reship_cost="-1")
    with pytest.raises(ValidationFailed, match="处理方式"):
        desk.cases.update(case.id, resolution="随便")
    with pytest.raises(ValidationFailed, match="退款类型太长"):
        desk.cases.update(case.id, after_sales_type="长" * 40)


def test_trash_restore_purge(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_backup import png

    keep, _ = desk.cases.create(CaseDraft(order_no="261120-1"))
    gone, _ = desk.cases.create(CaseDraft(order_no="261120-2"))
    shared = png(3)
    desk.evidence.import_bytes(keep.id, shared, "同一张.png")
    report = desk.evidence.import_bytes(gone.id, shared, "同一张.png")
    only = desk.evidence.import_bytes(gone.id, png(4), "只在这里.png").added[0]
    changes = desk.cases.trash([gone.id])
    assert changes.case_list and gone.id in changes.cases
    assert desk.cases.list_ids() == [keep.id]
    assert desk.cases.list_ids(CaseFilter(trash=True)) == [gone.id]
    assert desk.cases.get(gone.id).deleted_at is not None
    assert desk.cases.timeline(gone.id)[-1].words().title == "移入回收站"
    desk.cases.restore([gone.id])
    assert set(desk.cases.list_ids()) == {keep.id, gone.id}
    with pytest.raises(ValidationFailed, match="不在回收站"):
        desk.cases.purge([gone.id])
    desk.cases.trash([gone.id])
    only_path = desk.evidence.blob_path_for(only.sha256)
    changes, shas = desk.cases.purge([gone.id])
    desk.evidence.purge(shas)
    with pytest.raises(NotFound):
        desk.cases.get(gone.id)
    assert desk.cases.list_ids(CaseFilter(trash=True)) == []
    assert not only_path.exists()  # its original went with it
    assert desk.evidence.blob_path(desk.evidence.list(keep.id)[0].id).exists()  # the shared one stays
    assert report.added


def test_shops_carry_details_and_filter_the_list(desk) -> None:  # type: ignore[no-untyped-def]
    a, _ = desk.shops.create(
        "优品家居旗舰店",
        Platform.PDD,
        return_address="浙江省杭州市余杭区仓前街道 1 号",
        contact="138****8000",
    )
    b, _ = desk.shops.create("暖暖童装小店", Platform.TAOBAO)
    b, changes = desk.shops.update(b.id, return_policy="吊牌完好、未洗未穿，7 天内可退换", name="暖暖童装")
    assert b.name == "暖暖童装" and "吊牌" in b.return_policy and changes.case_list
    assert desk.shops.get(a.id).return_address.startswith("浙江省")
    c1, _ = desk.cases.create(CaseDraft(shop_id=a.id))
    c2, _ = desk.cases.create(CaseDraft(shop_id=b.id, platform=Platform.TAOBAO))
    c3, _ = desk.cases.create(CaseDraft())
    assert desk.cases.list_ids(CaseFilter(shop_ids=(a.id,))) == [c1.id]
    assert set(desk.cases.list_ids(CaseFilter(shop_ids=(b.id, 0)))) == {c2.id, c3.id}
    assert desk.shops.case_counts() == {a.id: 1, b.id: 1}
    with pytest.raises(ValidationFailed, match="已存在"):
        desk.shops.update(b.id, name="优品家居旗舰店", platform=Platform.PDD)
    desk.shops.delete(a.id)
    assert desk.cases.get(c1.id).shop_id is None  # the case stays, without a shop
    assert desk.cases.rows([c2.id])[c2.id].shop_name == "暖暖童装"


def test_saved_views_round_trip(desk) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    flt = CaseFilter(
        search="破损",
        statuses=(CaseStatus.OPEN, CaseStatus.NEGOTIATING),
        case_types=(CaseType.QUALITY,),
        platforms=(Platform.PDD,),
        shop_ids=(0,),
        due=DueFilter.SOON,
        created_from=date(2026, 11, 1),
        sort="due_at",
        descending=False,
    )
    view = desk.views.save("待处理的破损", flt)
    assert desk.views.list() == [view] and view.filter == flt
    again = desk.views.save("待处理的破损", CaseFilter(trash=True))  # same name: replaced
    assert len(desk.views.list()) == 1 and again.filter.trash
    desk.views.save("全部", CaseFilter())
    renamed = desk.views.rename(again.id, "回收站里的")
    assert [v.name for v in desk.views.list()] == ["回收站里的", "全部"]
    with pytest.raises(ValidationFailed, match="已有名为"):
        desk.views.rename(renamed.id, "全部")
    desk.views.delete(renamed.id)
    assert [v.name for v in desk.views.list()] == ["全部"]


def test_saved_view_with_unknown_values_still_opens() -> None:
    from desk.services.views import filter_from_json

    flt = filter_from_json('{"statuses": ["待处理", "以后才有的状态"], "due": "someday", "sort": "nope"}')
    assert flt.statuses == (CaseStatus.OPEN,) and flt.due == DueFilter.ANY and flt.sort == "updated_at"
    assert filter_from_json("not json") == CaseFilter()


def test_bulk_shop_change(desk) -> None:  # type: ignore[no-untyped-def]
    shop, _ = desk.shops.create("新店", Platform.PDD)
    ids = [desk.cases.create(CaseDraft())[0].id for _ in range(3)]
    result = desk.cases.bulk_update(ids, shop_id=shop.id)
    assert set(result.changed) == set(ids) and not result.refused
    assert {desk.cases.get(i).shop_name for i in ids} == {"新店"}
    assert all(
        any(e.field == "shop_id" and e.words().text == "（空） → 新店" for e in desk.cases.timeline(i))
        for i in ids
    )


def _cases_for_export(desk):  # type: ignore[no-untyped-def]
    shop, _ = desk.shops.create("优品家居旗舰店", Platform.PDD)
    a, _ = desk.cases.create(
        CaseDraft(
            shop_id=shop.id,
            order_no="261120-583920174650321",
            buyer_nick='=HYPERLINK("x")',
            refund_amount=Decimal("29.90"),
            description="少件，称重一致",
        )
    )
    b, _ = desk.cases.create(CaseDraft(order_no="261118-204715938260174", case_type=CaseType.WRONG_ITEM))
    return desk.cases.get_many([a.id, b.id])


def test_export_csv_opens_in_excel_with_chinese(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = _cases_for_export(desk)
    path = export_cases(cases, tmp_path / "导出.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header = rows[0]
    assert header[:3] == ["编号", "平台", "店铺"] and "退款金额" in header and "净支出" in header
    first = dict(zip(header, rows[1], strict=True))
    assert (
        first["店铺"] == "优品家居旗舰店"
        and first["退款金额"] == "29.90"
        and first["问题描述"] == "少件，称重一致"
    )
    assert first["买家昵称"].startswith("'=")  # never a live formula
    assert len(rows) == 3
    assert not list(tmp_path.glob("*.partial"))


def test_export_xlsx(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    cases = _cases_for_export(desk)
    path = export_cases(cases, tmp_path / "导出.xlsx")
    ws = load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["订单号"] == "261120-583920174650321" and first["售后类型"] == "漏发少件"
    assert float(first["退款金额"]) == pytest.approx(29.90)
    assert rows[2][header.index("售后类型")] == "发错商品"


def test_export_refuses_other_formats_and_leaves_nothing(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = _cases_for_export(desk)
    with pytest.raises(ExportFailed, match="csv"):
        export_cases(cases, tmp_path / "x.pdf")
    with pytest.raises(ExportFailed, match="无法写入"):
        export_cases(cases, tmp_path / "没有这个文件夹" / "x.csv")
    assert not list(tmp_path.rglob("*.partial")) and not list(tmp_path.glob("x.*"))
