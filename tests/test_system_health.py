"""The system check and the `terminal diag` command around it."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from terminal import config


def _diag(tmp_path: Path, toml: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "t.toml"
    path.write_text(toml, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "terminal", "--config", str(path), "diag", *args],
                          capture_output=True, text=True, timeout=60)


def test_system_ok_as_json(tmp_path: Path) -> None:
    out = _diag(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\n', "system", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] is True
    check = result["checks"][0]
    assert check["device"] == "system" and check["status"] == "ok"
    assert check["details"]["disk_free_mb"] > 0 and check["details"]["version"]


def test_disk_guard_is_a_fault_and_exits_non_zero(tmp_path: Path) -> None:
    out = _diag(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\nmin_free_mb = 999999999\n', "system")
    assert out.returncode == 1
    assert "存储空间不足" in out.stdout


def test_unknown_check_is_refused_in_words(tmp_path: Path) -> None:
    out = _diag(tmp_path, "", "toaster")
    assert out.returncode == 2
    assert "unknown check toaster" in out.stderr and "Traceback" not in out.stderr


def test_check_reports_every_detail_even_when_unreadable() -> None:
    from terminal.system_health import check
    result = check(config.load(None), None, argparse.Namespace())
    assert set(result.details) >= {"uptime_seconds", "memory_total_kb", "cpu_temperature_c", "throttled",
                                   "clock_synchronized", "sd_life_time"}
    assert result.details["memory_total_kb"] > 0


def test_diag_json_matches_documented_schema(tmp_path: Path, repo: Path) -> None:
    import jsonschema

    schema = json.loads((repo / "docs" / "diag.schema.json").read_text(encoding="utf-8"))
    out = _diag(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\n', "system", "--json")
    jsonschema.validate(json.loads(out.stdout), schema)
    broken = _diag(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\nmin_free_mb = 999999999\n', "--json", "system")
    jsonschema.validate(json.loads(broken.stdout), schema)
    assert json.loads(broken.stdout)["ok"] is False


def test_readiness_report_json_and_html(tmp_path: Path) -> None:
    out = _diag(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\n', "report", "--out", str(tmp_path / "usb" / "r.json"))
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "usb" / "r.json").read_text(encoding="utf-8"))
    assert report["terminal"]["id"] == "T0001"
    assert "system" in {c["device"] for c in report["checks"]}
    page = (tmp_path / "usb" / "r.html").read_text(encoding="utf-8")
    assert "终端状态报告" in page and "<script" not in page


def test_a_crashing_check_becomes_a_fault_in_words() -> None:
    from terminal.assembly import checks
    from terminal.diagnostics import CheckOptions

    checks.CHECKS["broken"] = "json:loads"  # a callable that raises TypeError for these arguments
    try:
        result = checks.run_check("broken", config.load(None), None, CheckOptions())
    finally:
        del checks.CHECKS["broken"]
    assert result.status == "fault" and "检查程序出错" in result.summary
