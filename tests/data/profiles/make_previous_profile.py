"""Makes tests/data/profiles/v0009/ with the release before keys replaced labels in the database.

Provenance: run with the tree at commit 3f90c74 (the last release whose database stores Chinese labels in
its enum columns, rendered text in its timeline and platform facts in the notes):

    git worktree add /tmp/prev 3f90c74
    cd /tmp/prev && python /path/to/tests/data/profiles/make_previous_profile.py OUT

It writes OUT/desk.sqlite3 (evidence files are left out: the migration never reads them) and
OUT/expected.json: every case's fields as the operator read them and every timeline line as the window
showed it, so a test can check the migrated profile says the same.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from desk.demo import fill_demo

from desk.app import open_desk
from desk.domain import CaseFilter, CaseStatus, CaseType, EvidenceKind, Platform, Resolution

out = Path(sys.argv[1])
work = Path(tempfile.mkdtemp(prefix="prev-profile-"))
desk = open_desk(work)
ids = fill_demo(desk)

# An after-sales export: platform facts land in a 【平台售后】 line of the notes in this release.
sys.path.insert(0, str(Path.cwd()))
from tests.test_orders_import import PDD_AFTER_SALES, after_sales_rows, write_xlsx  # noqa: E402

desk.cases.update(ids[5], notes="买家很急")
order_a = after_sales_rows()[0]["订单编号"]
desk.cases.update(ids[5], order_no=str(order_a))
desk.orders.import_file(write_xlsx(work / "aftersales.xlsx", PDD_AFTER_SALES, after_sales_rows()))

# Edits of every enum field, so the timeline holds labels of each kind.
first = ids[0]
desk.cases.update(first, status=CaseStatus.NEGOTIATING, resolution=Resolution.RESHIP)
desk.cases.update(first, case_type=CaseType.WRONG_ITEM)
desk.cases.update(first, case_type=CaseType.MISSING_ITEM, refund_amount=Decimal("12.50"))
desk.cases.add_note(first, "内部：买家是老客户，先别对平台说")
desk.cases.bulk_update(ids[1:3], status=CaseStatus.APPEALING)
desk.cases.trash([ids[3]])
desk.cases.trash([ids[4]])
desk.cases.restore([ids[4]])
ev = desk.evidence.list(ids[1])
desk.evidence.set_kind([ev[0].id], EvidenceKind.CHAT)
desk.evidence.remove(ev[-1].id)
desk.views.save(
    "拼多多待处理",
    CaseFilter(statuses=(CaseStatus.OPEN, CaseStatus.NEGOTIATING), platforms=(Platform.PDD,)),
)
desk.views.save("漏发", CaseFilter(case_types=(CaseType.MISSING_ITEM,)))
try:
    desk.wizard.run_answers(ids[0], [0])
    desk.wizard.apply_outcome(ids[0])
except Exception as exc:  # the walk depends on the playbook; what matters is that some wizard events exist
    print("wizard:", exc)
for cid in ids[:2]:
    try:
        desk.packets.build(cid, work / f"packet-{cid}.pdf")
    except Exception as exc:
        print("packet:", exc)

# What the operator read, with the old code's own renderers.
from desk.services.packets import event_text  # noqa: E402
from ui.cases.case_form import CaseForm  # noqa: E402  (its describe() is the window's renderer)

expected = {"cases": {}, "views": {}}
shops = {s.id: s.name for s in desk.shops.list()}
for cid in desk.cases.list_ids(CaseFilter()) + desk.cases.list_ids(CaseFilter(trash=True)):
    c = desk.cases.get(cid)
    timeline = desk.cases.timeline(cid)

    class _Form:
        _shop_names = shops
        _display_value = CaseForm._display_value

    form = _Form()
    expected["cases"][str(cid)] = {
        "platform": str(c.platform),
        "case_type": str(c.case_type),
        "status": str(c.status),
        "resolution": str(c.resolution),
        "appeal_type": c.appeal_type,
        "order_no": c.order_no,
        "after_sales_no": c.after_sales_no,
        "notes": c.notes,
        "description": c.description,
        "trashed": c.deleted_at is not None,
        "evidence_kinds": [str(e.kind) for e in desk.evidence.list(cid)],
        "timeline_window": [list(CaseForm.describe(form, e)) for e in timeline],  # type: ignore[arg-type]
        "timeline_pdf": [event_text(e) for e in timeline],
    }
for v in desk.views.list():
    expected["views"][v.name] = {
        "statuses": [str(s) for s in v.filter.statuses],
        "case_types": [str(t) for t in v.filter.case_types],
        "platforms": [str(p) for p in v.filter.platforms],
    }
desk.close()
out.mkdir(parents=True, exist_ok=True)
shutil.copy2(work / "desk.sqlite3", out / "desk.sqlite3")
(out / "expected.json").write_text(
    json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True), "utf-8"
)
print("made", out, "cases:", len(expected["cases"]), "at", datetime.now(UTC).isoformat())
