"""The fleet's health from heartbeats: alarms raised and cleared as heartbeats arrive, acknowledged by name.

Kinds: `silent` (no heartbeat for 15 minutes, raised when the fleet is looked at or swept),
`paper` (the printer reports a fault: out of paper), `backlog` (the oldest undelivered case has
used 80 % of the terminals' retention period, `storage.retention_days`, the terminal's own warning
share), `outbox` (the terminal's outbox reports a fault: lost or quarantined records, read-only or
full disk; the heartbeat carries only its level). An alarm stays open until its condition clears;
acknowledging it records who took it on, it does not close it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gov_central.db import Database, Row

SILENT_AFTER = timedelta(minutes=15)
RETENTION_WARNING_SHARE = 0.8
ALARM_ZH = {"silent": "失联超过15分钟", "paper": "打印机缺纸或故障", "backlog": "积压接近保留期限",
            "outbox": "待发送队列故障"}


def now() -> datetime:
    return datetime.now(UTC)


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def conditions(body: dict[str, Any], retention_days: float) -> set[str]:
    """The alarm kinds a heartbeat shows (the printer's `fault` is how the terminal reports no paper)."""
    found = set()
    outbox = body.get("outbox", {})
    if body.get("devices", {}).get("printer") == "fault":
        found.add("paper")
    if (outbox.get("oldest_queued_age_s") or 0) >= RETENTION_WARNING_SHARE * retention_days * 86400:
        found.add("backlog")
    if "fault" in outbox.get("alarms", []):
        found.add("outbox")
    return found


def _open(db: Database, terminal_id: str) -> dict[str, Row]:
    return {row["kind"]: row for row in db.all(
        "SELECT id, kind FROM alarms WHERE terminal_id = ? AND cleared_at IS NULL", (terminal_id,))}


def update_alarms(db: Database, terminal_id: str, body: dict[str, Any], retention_days: float = 30) -> None:
    """Raise the heartbeat's alarms not yet open, clear open ones it no longer shows (and `silent`)."""
    showing = conditions(body, retention_days)
    opened = _open(db, terminal_id)
    at = stamp(now())
    for kind in showing - set(opened):
        db.execute("INSERT INTO alarms (terminal_id, kind, raised_at) VALUES (?, ?, ?)", (terminal_id, kind, at))
    for kind, row in opened.items():
        if kind not in showing:
            db.execute("UPDATE alarms SET cleared_at = ? WHERE id = ?", (at, row["id"]))


def sweep_silent(db: Database, when: datetime | None = None) -> int:
    """Raise `silent` for terminals whose last heartbeat is older than 15 minutes; returns how many."""
    cutoff = stamp((when or now()) - SILENT_AFTER)
    quiet = db.all("SELECT h.terminal_id FROM heartbeats h WHERE h.received_at < ? AND NOT EXISTS ("
                   "SELECT 1 FROM alarms a WHERE a.terminal_id = h.terminal_id AND a.kind = 'silent'"
                   " AND a.cleared_at IS NULL)", (cutoff,))
    for row in quiet:
        db.execute("INSERT INTO alarms (terminal_id, kind, raised_at) VALUES (?, 'silent', ?)",
                   (row["terminal_id"], stamp(when or now())))
    return len(quiet)


def acknowledge(db: Database, alarm_id: int, operator: str) -> bool:
    """Record who took the alarm on; False if it is unknown or already acknowledged."""
    before = db.one("SELECT acked_by FROM alarms WHERE id = ?", (alarm_id,))
    if before is None or before["acked_by"]:
        return False
    db.execute("UPDATE alarms SET acked_by = ?, acked_at = ? WHERE id = ? AND acked_by IS NULL",
               (operator, stamp(now()), alarm_id))
    return True


@dataclass
class TerminalRow:
    """One line of the fleet table."""

    terminal_id: str
    last_heartbeat: str
    version: str
    devices: dict[str, str]
    backlog: int
    oldest_age_s: float | None
    disk_free_mb: int
    alarms: list[Row]


def fleet(db: Database) -> list[TerminalRow]:
    """Every terminal that has sent a heartbeat, with its open alarms (silent ones swept first)."""
    sweep_silent(db)
    alarms: dict[str, list[Row]] = {}
    for row in db.all("SELECT id, terminal_id, kind, raised_at, acked_by, acked_at FROM alarms"
                      " WHERE cleared_at IS NULL ORDER BY raised_at"):
        alarms.setdefault(row["terminal_id"], []).append(row)
    rows = []
    for hb in db.all("SELECT terminal_id, received_at, body FROM heartbeats ORDER BY terminal_id"):
        body = json.loads(hb["body"])
        outbox = body.get("outbox", {})
        counts = outbox.get("counts", {})
        rows.append(TerminalRow(
            hb["terminal_id"], hb["received_at"], str(body.get("version", "")), dict(body.get("devices", {})),
            int(counts.get("queued", 0)) + int(counts.get("sending", 0)), outbox.get("oldest_queued_age_s"),
            int(body.get("disk_free_mb", 0)), alarms.get(hb["terminal_id"], [])))
    return rows
