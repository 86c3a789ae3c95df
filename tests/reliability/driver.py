"""Headless driver for the kill -9 suite: runs a seeded mix of operations through the real services.

    python tests/reliability/driver.py --profile P --seed 7 [--ops 200] [--only import]

Prints `READY` once the desk is open, `START <json>` before each operation and `ACK <json>` only after
the operation returned (its database commit is done). The harness kills it at random moments and
checks that every ACKed operation is fully there and nothing is half applied.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

HOSTILE = [
    "'; DROP TABLE cases; --",
    '"引号" NEAR( * )',
    "退货\u202e破损",
    "😀 emoji",
    "a\\b%_c",
    "\u0000NUL",
]
MIX = [("import", 40), ("edit", 30), ("delete", 10), ("packet", 10), ("backup", 10)]
EDIT_FIELDS = ("courier", "buyer_nick", "description", "notes")


def emit(kind: str, doc: dict[str, object]) -> None:
    sys.stdout.write(f"{kind} {json.dumps(doc, ensure_ascii=False)}\n")
    sys.stdout.flush()


def png_bytes(seed: int, n: int, size: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed * 100_003 + n)
    im = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--profile", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--ops", type=int, default=400)
    p.add_argument("--only", choices=[k for k, _ in MIX])
    p.add_argument("--backups", help="folder for backup archives (default: next to the profile)")
    args = p.parse_args()

    from desk.app import open_desk
    from desk.backup import backup_profile
    from desk.domain import CaseDraft, CaseId, CaseType, EvidenceId, Platform

    rng = random.Random(args.seed)
    profile = Path(args.profile)
    backups = Path(args.backups) if args.backups else profile.parent / "driver-backups"
    desk = open_desk(profile)
    if not desk.cases.list_ids():
        for i in range(3):
            data, _ = desk.cases.create(
                CaseDraft(platform=Platform.PDD, order_no=f"BASE-{i}", case_type=CaseType.QUALITY)
            )
            emit("ACK", {"op": "create", "case": data.id, "token": f"BASE-{i}"})
    emit("READY", {"seed": args.seed})
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    for n in range(args.ops):
        kind = args.only or rng.choices(kinds, weights)[0]
        ids = desk.cases.list_ids()
        case_id = CaseId(rng.choice(ids))
        token = f"S{args.seed}-N{n}"
        if kind == "import":
            data = png_bytes(args.seed, n, rng.choice((32, 64, 256, 512)))
            emit("START", {"op": "import", "case": case_id, "token": token})
            report = desk.evidence.import_bytes(case_id, data, f"{token}-{rng.choice(HOSTILE)}.png")
            if report.added:
                e = report.added[0]
                emit(
                    "ACK",
                    {"op": "import", "case": case_id, "evidence": e.id, "sha": e.sha256, "token": token},
                )
        elif kind == "edit":
            current = desk.cases.get(case_id)
            values = {f: f"{token} {rng.choice(HOSTILE)}" for f in EDIT_FIELDS}
            emit("START", {"op": "edit", "case": case_id, "token": token})
            desk.cases.update(case_id, expected_version=current.version, **values)
            emit("ACK", {"op": "edit", "case": case_id, "token": token})
        elif kind == "delete":
            items = desk.evidence.list(case_id)
            if not items:
                continue
            victim = rng.choice(items)
            emit("START", {"op": "delete", "evidence": victim.id, "sha": victim.sha256})
            desk.evidence.remove(EvidenceId(victim.id))
            emit("ACK", {"op": "delete", "evidence": victim.id, "sha": victim.sha256})
        elif kind == "packet":
            emit("START", {"op": "packet", "case": case_id})
            result = desk.packets.build(case_id)
            emit(
                "ACK", {"op": "packet", "case": case_id, "packet": result.packet.id, "path": str(result.path)}
            )
        elif kind == "backup":
            dest = backups / f"{token}.deskbackup"
            emit("START", {"op": "backup", "path": str(dest)})
            backup_profile(desk.profile, dest)
            emit("ACK", {"op": "backup", "path": str(dest)})
    desk.close()
    emit("DONE", {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
