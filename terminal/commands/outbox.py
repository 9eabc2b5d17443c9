"""`terminal outbox list|verify|release|rotate-key`: look into the outbox without exposing personal data."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from terminal.config import Config


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("outbox", help="list the outbox, verify its hashes and database, rotate its key")
    actions = parser.add_subparsers(dest="outbox_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="records (case numbers, states, sizes, receipts; no personal data)")
    listing.add_argument("--state", choices=("queued", "sending", "delivered", "purged"))
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    verify = actions.add_parser("verify", help="PRAGMA integrity_check and every stored file against its SHA-256")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(handler=run_verify)
    release = actions.add_parser("release", help="queue a quarantined record again, once its cause is repaired")
    release.add_argument("record_id", help="the record (case number) `outbox list` shows as quarantined")
    release.set_defaults(handler=run_release)
    rotate = actions.add_parser("rotate-key", help="seal new data with a fresh key; list the old keys still in use")
    rotate.add_argument("--retire-unused", action="store_true",
                        help="instead of rotating, drop old keys no stored record uses (after restarting the services)")
    rotate.set_defaults(handler=run_rotate)


def printable(text: str) -> str:
    """Control and other unprintable characters as escapes: a stored receipt cannot drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _when(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S") if stamp else "-"


def run_list(args: argparse.Namespace, config: Config) -> int:
    """Exit 1 when the ledger names records the database lost: they are listed after the table."""
    from sync.outbox import Outbox
    outbox = Outbox.from_config(config)
    records = outbox.records(args.state, args.limit)
    if args.json:
        print(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=2))
    else:
        print(f"{'record':<28} {'kind':<9} {'state':<11} {'created':<19} {'bytes':>9} {'tries':>5}  receipt")
        for r in records:
            state = "quarantined" if r.quarantine_reason and r.state == "queued" else r.state
            note = r.receipt or r.quarantine_reason or r.last_error or ""
            print(f"{printable(r.record_id):<28} {printable(r.kind):<9} {state:<11} {_when(r.created_at):<19} "
                  f"{r.attachment_bytes + r.manifest_size:>9} {r.attempts:>5}  {printable(note)}")
    for record_id in outbox.lost:
        print(f"LOST {record_id}: 已受理，但待发送队列数据库中没有这件申请，请联系技术人员从备份恢复。", file=sys.stderr)
    return 1 if outbox.lost else 0


def run_verify(args: argparse.Namespace, config: Config) -> int:
    from sync.outbox import Outbox
    report = Outbox.from_config(config).verify()
    if args.json:
        print(json.dumps({"ok": report.ok, "integrity": report.integrity, "checked_files": report.checked_files,
                          "problems": report.problems}, ensure_ascii=False, indent=2))
    else:
        print(f"database: {report.integrity}; files checked: {report.checked_files}; problems: {len(report.problems)}")
        for problem in report.problems:
            print(f"  {printable(problem)}")
    return 0 if report.ok else 1


def run_release(args: argparse.Namespace, config: Config) -> int:
    from sync.outbox import Outbox
    outbox = Outbox.from_config(config)
    if not outbox.release_quarantine(args.record_id):
        print(f"{printable(args.record_id)} is not quarantined")
        return 1
    print(f"{args.record_id} queued again; `terminal outbox verify` checks it can be read now")
    return 0


def run_rotate(args: argparse.Namespace, config: Config) -> int:
    from sync.outbox import Outbox
    outbox = Outbox.from_config(config)
    if args.retire_unused:
        in_use = outbox.key_ids_in_use() | {outbox.keys.current}
        retired = [key_id for key_id in outbox.keys.key_ids if key_id not in in_use]
        for key_id in retired:
            outbox.keys.retire(key_id)
        print(f"retired: {', '.join(retired) or 'none'}; kept: {', '.join(sorted(in_use))}")
        return 0
    new_id = outbox.keys.rotate()
    old_in_use = sorted(outbox.key_ids_in_use() - {new_id})
    print(f"new data is sealed with key {new_id} (restart the terminal services so they use it);"
          f" old keys still needed: {', '.join(old_in_use) or 'none'}")
    return 0
