"""The case status workflow: which status may follow which, and why a change is refused."""

from __future__ import annotations

from desk.domain import CaseStatus as S
from desk.errors import ValidationFailed

# Statuses in which the desk waits on someone else; the deadline clock can pause in them.
WAITING_STATUSES = frozenset({S.WAITING_RETURN, S.WAITING_COURIER})
# Statuses in which nothing is left to do: no deadline queue shows them.
FINISHED_STATUSES = frozenset({S.CLOSED})

# The allowed next statuses. Every case can be closed while it is still open; a closed case can only be
# reopened (待处理 or 协商中); an appeal, once submitted, ends as won or lost; a lost appeal can be
# appealed again.
TRANSITIONS: dict[S, frozenset[S]] = {
    S.OPEN: frozenset(
        {S.NEGOTIATING, S.WAITING_RETURN, S.WAITING_COURIER, S.RESHIPPED, S.REFUNDED, S.APPEALING, S.CLOSED}
    ),
    S.NEGOTIATING: frozenset(
        {S.OPEN, S.WAITING_RETURN, S.WAITING_COURIER, S.RESHIPPED, S.REFUNDED, S.APPEALING, S.CLOSED}
    ),
    S.WAITING_RETURN: frozenset(
        {S.NEGOTIATING, S.WAITING_COURIER, S.REFUNDED, S.RESHIPPED, S.APPEALING, S.CLOSED}
    ),
    S.WAITING_COURIER: frozenset(
        {S.NEGOTIATING, S.WAITING_RETURN, S.RESHIPPED, S.REFUNDED, S.APPEALING, S.CLOSED}
    ),
    S.RESHIPPED: frozenset({S.NEGOTIATING, S.WAITING_COURIER, S.REFUNDED, S.APPEALING, S.CLOSED}),
    S.REFUNDED: frozenset({S.NEGOTIATING, S.WAITING_COURIER, S.APPEALING, S.CLOSED}),
    S.APPEALING: frozenset({S.APPEAL_SUBMITTED, S.NEGOTIATING, S.WAITING_COURIER, S.CLOSED}),
    S.APPEAL_SUBMITTED: frozenset({S.APPEAL_WON, S.APPEAL_LOST}),
    S.APPEAL_WON: frozenset({S.CLOSED}),
    S.APPEAL_LOST: frozenset({S.APPEALING, S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN, S.NEGOTIATING}),  # reopen
}

# What to tell the operator when a change from this status is refused.
_WHY: dict[S, str] = {
    S.APPEAL_SUBMITTED: "已提交的申诉只能等平台结果：改为“申诉成功”或“申诉失败”",
    S.APPEAL_WON: "申诉成功后只能结案",
    S.APPEAL_LOST: "申诉失败后可以再次申诉（改为“申诉中”）或结案",
    S.CLOSED: "已结案的售后要先重新打开（改为“待处理”或“协商中”）",
}


def allowed_next(status: S) -> list[S]:
    """The statuses the operator may pick next, in the enum's order (the current one first)."""
    targets = TRANSITIONS.get(status, frozenset())
    return [status, *(s for s in S if s in targets)]


def check_transition(old: S, new: S) -> None:
    """Refuse a change the workflow does not allow, saying why in plain words."""
    if old == new or new in TRANSITIONS.get(old, frozenset()):
        return
    reason = _WHY.get(old)
    if reason is None:
        if new in (S.APPEAL_WON, S.APPEAL_LOST):
            reason = "只有“已提交申诉”的售后才有申诉结果"
        elif new == S.APPEAL_SUBMITTED:
            reason = "要先改为“申诉中”，准备好申诉材料后再标记为已提交"
        else:
            allowed = "、".join(f"“{s}”" for s in allowed_next(old)[1:])
            reason = f"可以改为：{allowed}"
    raise ValidationFailed(f"状态不能从“{old}”改为“{new}”：{reason}。")


def is_reopen(old: S, new: S) -> bool:
    return old in FINISHED_STATUSES and new not in FINISHED_STATUSES
