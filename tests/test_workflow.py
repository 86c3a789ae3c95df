"""The status workflow: allowed changes go through with a timeline entry, others are refused with a reason."""

from __future__ import annotations

import pytest

from desk import workflow
from desk.domain import CaseDraft
from desk.domain import CaseStatus as S
from desk.errors import ValidationFailed

HAPPY_PATHS = [
    [S.NEGOTIATING, S.WAITING_RETURN, S.REFUNDED, S.APPEALING, S.APPEAL_SUBMITTED, S.APPEAL_WON, S.CLOSED],
    [S.NEGOTIATING, S.RESHIPPED, S.APPEALING, S.APPEAL_SUBMITTED, S.APPEAL_LOST, S.APPEALING],
    [S.WAITING_COURIER, S.RESHIPPED, S.CLOSED, S.OPEN],  # closed, then reopened
    [S.CLOSED, S.NEGOTIATING],
]


@pytest.mark.parametrize("path", HAPPY_PATHS, ids=lambda p: "→".join(str(s) for s in p))
def test_allowed_paths_are_saved_with_timeline(desk, path: list[S]) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft())
    previous = S.OPEN
    for status in path:
        case, changes = desk.cases.update(case.id, status=status)
        assert case.status == status and changes.cases
        previous = status
    changes_seen = [(e.old, e.new) for e in desk.cases.timeline(case.id) if e.field == "status"]
    assert changes_seen[-1] == (path[-2].value if len(path) > 1 else "OPEN", previous.value)
    assert len(changes_seen) == len(path)


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        (S.OPEN, S.APPEAL_WON, "只有“已提交申诉”"),
        (S.OPEN, S.APPEAL_SUBMITTED, "要先改为“申诉中”"),
        (S.APPEAL_SUBMITTED, S.CLOSED, "只能等平台结果"),
        (S.APPEAL_SUBMITTED, S.OPEN, "只能等平台结果"),
        (S.CLOSED, S.APPEAL_WON, "重新打开"),
        (S.CLOSED, S.REFUNDED, "重新打开"),
        (S.APPEAL_WON, S.APPEALING, "只能结案"),
        (S.REFUNDED, S.WAITING_RETURN, "可以改为"),
    ],
)
def test_refused_change_names_both_statuses_and_why(desk, before: S, after: S, reason: str) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(status=before))
    with pytest.raises(ValidationFailed) as info:
        desk.cases.update(case.id, status=after)
    message = info.value.message
    assert f"“{before}”" in message and f"“{after}”" in message and reason in message
    # Nothing of a refused save is kept, not even the other fields sent with it.
    with pytest.raises(ValidationFailed):
        desk.cases.update(case.id, status=after, notes="不应保存")
    assert desk.cases.get(case.id).status == before
    assert desk.cases.get(case.id).notes == ""
    assert not [e for e in desk.cases.timeline(case.id) if e.field]


def test_every_status_can_be_left_and_closed_cases_only_reopen() -> None:
    for status in S:
        assert workflow.allowed_next(status)[0] == status
        assert len(workflow.allowed_next(status)) > 1, status
    assert set(workflow.allowed_next(S.CLOSED)[1:]) == {S.OPEN, S.NEGOTIATING}
    assert workflow.is_reopen(S.CLOSED, S.OPEN)


def test_reopen_is_named_in_the_timeline(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(status=S.CLOSED))
    desk.cases.update(case.id, status=S.NEGOTIATING)
    last = desk.cases.timeline(case.id)[-1]
    assert (last.field, last.old, last.new) == ("status", "CLOSED", "NEGOTIATING")
    assert last.words().line() == "重新打开：已结案 → 协商中"


def test_bulk_status_change_skips_refused_cases_with_reasons(desk) -> None:  # type: ignore[no-untyped-def]
    a, _ = desk.cases.create(CaseDraft(status=S.OPEN))
    b, _ = desk.cases.create(CaseDraft(status=S.APPEAL_SUBMITTED))
    c, _ = desk.cases.create(CaseDraft(status=S.NEGOTIATING))
    result = desk.cases.bulk_update([a.id, b.id, c.id], status=S.CLOSED)
    assert set(result.changed) == {a.id, c.id}
    assert [i for i, _ in result.refused] == [b.id]
    assert "只能等平台结果" in result.refused[0][1]
    assert desk.cases.get(b.id).status == S.APPEAL_SUBMITTED
    assert desk.cases.get(a.id).status == S.CLOSED
    assert "2 条" in result.summary() and "1 条未修改" in result.summary()
