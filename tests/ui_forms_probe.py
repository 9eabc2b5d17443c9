"""Drive the real kiosk offscreen through consent declined, an application by an agent (代办人) to the
reference central server, and an agent's visit (principal typed) left to the idle wipe; report as JSON.

Used by tests/test_ui_forms.py (its own process: Kivy has one window per process, and the journey
probe has its hands full). Usage: python -m tests.ui_forms_probe OUT_DIR
"""

from __future__ import annotations

import faulthandler
import gc
import json
from pathlib import Path
from typing import Any

from terminal import config as config_module
from tests.kivy_probe import probe_main
from tests.objwalk import leaks
from ui.demo import (
    Central,
    Driver,
    SyncThread,
    apply_as_agent,
    decline_consent,
    demo_config,
    fill_as_agent,
    rate,
    start_central,
    start_kiosk,
)
from ui.render import pump


def agent(d: Driver, central: Central) -> dict[str, Any]:
    """不同意 reads nothing; 代他人办理 to the central server, both identities and the address masked on
    every screen and the receipt, and encrypted at rest."""
    app, session = d.app, d.app.session
    report: dict[str, Any] = {"declined_reads_nothing": decline_consent(d), "declined_state": session.state.value}
    d.texts_seen.clear()
    case_no = apply_as_agent(d)
    case = session.case
    report["case"] = {"agent": case.agent.id_number if case.agent else "", "applicant": case.applicant.id_number,
                      "delivery": case.delivery, "materials": [m.material_id for m in case.materials]}
    values = (case.agent.name, case.agent.id_number, case.agent.address, case.applicant.name,
              case.applicant.id_number, case.applicant.address, case.delivery_address)
    report["unmasked_on"] = sorted(screen for screen, seen in d.texts_seen.items()
                                   if any(value in text for value in values for text in seen))
    report["screens_read"] = sorted(d.texts_seen)
    encoded = [value.encode("utf-8") for value in values]
    report["plain_on_disk"] = sorted(str(path) for path in Path(app.settings.storage.data_dir).rglob("*")
                                     if path.is_file() and any(value in path.read_bytes() for value in encoded))
    d.tap("打印回执")
    d.wait("the printer", lambda: d.screen().result is not None, 30)
    paper = "".join(line.text for line in app.hardware.printer.simulator.printer.paper.lines)
    report["receipt_masked"] = "代办人" in paper and not any(value in paper for value in values)
    rate(d, "满意")
    d.wait("the agent's case at the central server", lambda: case_no in central.store.completed(), 60)
    row = central.store.db.one("SELECT manifest FROM records WHERE record_id = ?", (case_no,))
    body = json.loads(bytes(row["manifest"]))["case"]
    report["central"] = {"agent": body["agent"]["id_number"], "delivery": body["delivery"]["method"],
                         "consent": body["consent"]}
    return report


def typed_principal_then_idle(d: Driver, clock: list[float]) -> dict[str, Any]:
    """Another agent's visit, the principal's number and name typed, left at the materials screen."""
    app, session = d.app, d.app.session
    fill_as_agent(d, principal_card=False)
    secrets: list[str | bytes] = [session.agent.name, session.agent.id_number, session.identity.id_number,
                                  session.identity.name, session.delivery[1]]
    report: dict[str, Any] = {"typed_principal": session.identity.id_number, "typed_name": session.identity.name}
    d.wait("a scanned page", lambda: any(s.done for s in session.materials), 60)
    scanner = app.hardware.scanner
    clock[0] += app.settings.timeouts.idle_seconds + app.settings.timeouts.idle_warning_seconds + 2
    app._tick(0)
    pump(5)
    report["after"] = [app.manager.current, session.state.value, session.has_personal_data()]
    personal = [value for value in secrets if isinstance(value, str)]
    report["screens_with_personal_text"] = [
        s.name for s in app.manager.screens
        if any(value in str(getattr(w, "text", "")) for w in s.walk() for value in personal)]
    scanner.worker.stop()  # (its last frame, queued on the Clock, is dropped on the next one)
    pump(3)
    del scanner
    gc.collect()
    report["leaks"] = leaks(app, secrets, stop=[session.catalog, app.outbox])
    return report


def main(out: Path) -> None:
    faulthandler.dump_traceback_later(300, exit=True)
    central, secret_file = start_central(out / "central")
    config = demo_config(config_module.load(None), out, central.url, secret_file)
    clock = [1000.0]
    app = start_kiosk(config, clock=lambda: clock[0])
    sync = SyncThread(config, app.outbox)
    d = Driver(app, out / "shots")
    (out / "shots").mkdir()
    report: dict[str, Any] = {}
    try:
        report["agent"] = agent(d, central)
        report["idle"] = typed_principal_then_idle(d, clock)
        report["targets_mm"] = dict(d.smallest_target_mm)
    finally:
        app.hardware.close()
        sync.stop()
        central.stop()
    print(json.dumps(report, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    probe_main(main)
