"""`terminal diag [DEVICE...] [--device ADDRESS] [--json]`: the technician checks from a shell."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from terminal.assembly.checks import CHECKS, run_checks
from terminal.config import Config
from terminal.devices import ALLOWED_SCHEMES, parse_address
from terminal.diagnostics import CheckOptions, is_failure
from terminal.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("diag", help="check devices and subsystems; non-zero exit when something is at fault")
    parser.add_argument("devices", nargs="*", metavar="DEVICE",
                        help="what to check (default: everything); `report --out FILE` writes the readiness report")
    parser.add_argument("--device", metavar="ADDRESS", help="check this device address instead of the configured one")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--read", action="store_true",
                        help="idcard: read one card and print it masked; keypad: wait for one key press")
    parser.add_argument("--test-page", action="store_true", help="printer: also print a test page (status only without it)")
    parser.add_argument("--out", metavar="PATH", help="where to save a frame, a test page or a report")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    if args.devices == ["report"]:
        return write_readiness_report(args, config)
    names = args.devices or sorted(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"unknown check {', '.join(unknown)}; known: {', '.join(sorted(CHECKS))}")
    address = None
    if args.device:
        if len(names) != 1:
            raise ConfigError("--device names one device address, so give exactly one DEVICE")
        address = parse_address(args.device, names[0] if names[0] in ALLOWED_SCHEMES else None)
    options = CheckOptions(read=args.read, test_page=args.test_page, out=Path(args.out) if args.out else None)
    results = run_checks(names, config, address, options)
    ok = not any(is_failure(r, config, address) for r in results)
    if args.json:
        print(json.dumps({"ok": ok,
                          "checks": [r.to_json() for r in results]}, ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"{r.device:<10} {r.status:<8} {r.summary}")
    return 0 if ok else 1


def write_readiness_report(args: argparse.Namespace, config: Config) -> int:
    """`terminal diag report --out FILE`: JSON plus HTML, personal data removed."""
    from terminal.assembly.report import build_report, write_report

    if not args.out:
        raise ConfigError("terminal diag report needs --out FILE (for example a USB stick path)")
    report = build_report(config)
    json_path, html_path = write_report(report, Path(args.out))
    print(f"{json_path}\n{html_path}")
    return 0 if report["ok"] else 1
