"""The readiness report: every check, recent events and the terminal's identity in one file.

Written as JSON plus a rendered HTML page (readable on any laptop, printable), to a USB stick
or wherever `--out` says. It is built only from check results and scrubbed events, and every
string passes the event log's personal-data guard once more before it is written.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from terminal import __version__
from terminal.assembly.checks import CHECKS, run_checks
from terminal.assembly.technician_tools import recent_events
from terminal.config import Config
from terminal.diagnostics import CheckOptions, CheckResult, is_failure
from terminal.events import EventId, record, scrub
from terminal.safewrite import write_atomic

STATUS_WORDS = {"ok": "正常", "warning": "注意", "fault": "故障", "absent": "未连接"}


def _scrubbed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return scrub(value)


def build_report(config: Config, results: list[CheckResult] | None = None) -> dict[str, Any]:
    """Run every check (unless given results) and gather what a technician leaves behind."""
    if results is None:
        results = run_checks(sorted(CHECKS), config, None, CheckOptions())
    report = {
        "terminal": {"id": config.terminal.id, "name": config.terminal.name,
                     "center_name": config.terminal.center_name, "region": config.terminal.region,
                     "version": __version__},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "ok": not any(is_failure(r, config) for r in results),
        "checks": [r.to_json() for r in results],
        "events": recent_events(config, 200),  # every process's event file, not only this one's memory
    }
    scrubbed: dict[str, Any] = _scrubbed(report)
    return scrubbed


def render_html(report: dict[str, Any]) -> str:
    """A self-contained page: no scripts, no external files."""
    t = report["terminal"]
    rows = "".join(
        f"<tr class='{c['status']}'><td>{html.escape(c['device'])}</td><td>{STATUS_WORDS.get(c['status'], c['status'])}"
        f"</td><td>{html.escape(c['summary'])}</td><td><pre>{html.escape(json.dumps(c['details'], ensure_ascii=False, indent=1))}"
        "</pre></td></tr>" for c in report["checks"])
    events = "".join(f"<tr><td>{html.escape(e['at'])}</td><td>{html.escape(e['id'])}</td><td>"
                     f"{html.escape(json.dumps(e, ensure_ascii=False))}</td></tr>" for e in report["events"])
    verdict = "可以使用" if report["ok"] else "有故障，需要处理"
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>终端状态报告 {html.escape(t['id'])}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #999;padding:4px;vertical-align:top}}
table{{border-collapse:collapse}}tr.fault td{{background:#fdd}}tr.warning td{{background:#ffd}}
tr.absent td{{background:#eee}}pre{{margin:0;font-size:small}}</style></head><body>
<h1>终端状态报告 / Readiness report</h1>
<p>{html.escape(t['center_name'])} · {html.escape(t['name'])} · 终端编号 {html.escape(t['id'])} ·
版本 {html.escape(t['version'])} · {html.escape(report['generated_at'])}</p>
<h2>结论：{verdict}</h2>
<table><tr><th>项目</th><th>状态</th><th>说明</th><th>详细</th></tr>{rows}</table>
<h2>最近事件 / Recent events</h2>
<table><tr><th>时间</th><th>编号</th><th>内容</th></tr>{events}</table>
</body></html>
"""


def write_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write `out` as JSON and the same name with .html beside it; returns both paths.

    Written safely: a USB stick pulled out (or a power cut) mid-write leaves the previous report or
    none, never a truncated one that a technician would take for the whole story.
    """
    json_path = out if out.suffix == ".json" else out.with_suffix(".json")
    html_path = json_path.with_suffix(".html")
    write_atomic(json_path, json.dumps(report, ensure_ascii=False, indent=2).encode(), mode=0o644)
    write_atomic(html_path, render_html(report).encode(), mode=0o644)
    record(EventId.REPORT_EXPORTED, ok=report["ok"], checks=len(report["checks"]))
    return json_path, html_path
