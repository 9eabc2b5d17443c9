"""Drive the real kiosk offscreen with a real A4 printer (ippeveprinter, `sim?keep=1`): the
一次性告知单 from a guide, an ID-card copy from home (card, camera, preview, print), the daily
allowance, and nothing of the copy left after going home. Reports JSON for tests/test_ui_a4.py.

Usage: python -m tests.a4_ui_probe OUT_DIR [SHOTS_DIR]
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

from gov_central.catalogs import Catalogs, new_key
from sync.downlink import update_catalog
from terminal import config as config_module
from terminal.devices import parse_address
from tests.a4printer.documents import catalog_naming_forms, sample_form
from tests.objwalk import leaks
from ui.demo import Driver, apply, choose_item_by_search, demo_config, start_central, start_kiosk


def pdf_text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())


def main(out: Path, shots: Path | None) -> None:
    faulthandler.dump_traceback_later(300, exit=True)
    report: dict[str, Any] = {}
    central, secret_file = start_central(out / "central", out / "catalogs")
    base = demo_config(config_module.load(None), out, central.url, secret_file)
    a4 = dataclasses.replace(base.devices.a4printer, address=parse_address("sim?keep=1", "a4printer"),
                             copy_pages_per_card_per_day=2)
    config = dataclasses.replace(base, devices=dataclasses.replace(base.devices, a4printer=a4))
    # the county publishes a 填写范本 and a catalog naming it; the terminal's sync fetches both
    catalogs = Catalogs(central.store.db, out / "catalogs", out / "catalog.key")
    public = new_key(out / "catalog.key")
    catalogs.publish_form(config.terminal.region, "变更姓名申请表.pdf", sample_form(True).data)
    catalogs.publish(catalog_naming_forms(config.terminal.region, "2027-01",
                                          {"hukou-name-change/apply_form": "变更姓名申请表.pdf"}), "测试管理员")
    config = dataclasses.replace(config, platform=dataclasses.replace(config.platform, catalog_keys=(public,)))
    report["catalog_installed"] = update_catalog(config)
    app: Any = start_kiosk(config)  # the probe reaches into the simulators behind the devices
    d = Driver(app, out=shots)
    try:
        d.at_home()
        report["home_has_copy"] = any(getattr(w, "text", "").startswith("复印") for w in app.root_widget.walk())
        d.shot("home")
        choose_item_by_search(d, "hkdj")
        d.tap("打印一次性告知单")
        printing = app.a4.model
        d.wait("the notice printed", lambda: not printing.busy and printing.message != "", 60)
        simulator = app.a4._printer.simulator
        report["notice_message"] = printing.message
        report["notice_text"] = pdf_text(simulator.printed()[-1])
        d.shot("guide-notice-printed")
        simulator.set_faults("media-jam")
        d.tap("打印一次性告知单")
        d.wait("the jammed job's answer", lambda: not printing.busy and "卡纸" in printing.message, 60)
        report["jam_message"] = printing.message
        d.shot("guide-notice-jammed")
        simulator.fix()
        before = len(simulator.printed())
        d.tap("打印填写范本")
        d.wait("the sample form printed", lambda: not printing.busy and len(simulator.printed()) > before, 60)
        report["form_message"] = printing.message
        report["form_text"] = pdf_text(simulator.printed()[-1])
        d.shot("guide-form-printed")
        app.session.cancel()
        d.at_home()
        d.tap("复印")
        screen = d.screen()
        d.wait("the card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
        d.shot("copy-card")
        app.hardware.reader.simulator.place("resident")
        d.wait("the camera", lambda: screen.model.step == "capture", 20)
        d.wait("two pages captured", lambda: len(screen.model.pages) >= 2, 90)
        report["copy_count_text"] = screen.count.text
        d.shot("copy-preview")
        jpegs = [page.jpeg for page in screen.model.pages]
        before = len(simulator.printed())
        d.tap("打印")
        d.wait("the copy printed", lambda: printing.printed, 60)
        report["copy_message"] = printing.message
        report["copy_printed"] = len(simulator.printed()) - before
        report["left_after"] = screen.model.left
        report["pages_after_print"] = len(screen.model.pages)
        report["copy_pdf_pages"] = [subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
                                    .split("Pages:")[1].split()[0] for p in simulator.printed()[before:]]
        d.shot("copy-printed")
        report["over_limit_problem"] = screen.model.problem
        d.shot("copy-over-limit")
        app.session.cancel()
        d.at_home()
        d.tap("打印证明")
        screen = d.screen()
        d.wait("the card reader", lambda: app.hardware.reader is not None and app.hardware.reader.simulator is not None)
        d.shot("certificate-card")
        before = len(simulator.printed())
        app.hardware.reader.simulator.place("resident")
        d.wait("the certificate printed", lambda: screen.model.step == "done" and not printing.busy, 60)
        report["certificate_message"] = printing.message
        report["certificate_text"] = pdf_text(simulator.printed()[-1]) if len(simulator.printed()) > before else ""
        d.shot("certificate-printed")
        app.session.cancel()
        d.at_home()
        case_no = apply(d, "hkdj")
        before = len(simulator.printed())
        d.tap("另打印A4回执")
        d.wait("the A4 receipt", lambda: not printing.busy and printing.message != "正在打印，请稍候…", 60)
        report["receipt_message"] = printing.message
        report["receipt_text"] = pdf_text(simulator.printed()[-1]) if len(simulator.printed()) > before else ""
        d.shot("receipt-a4-printed")
        app.session.cancel()
        d.at_home()
        d.tap("进度查询")
        d.type_digits(case_no.replace("-", "")[len(config.terminal.id):])
        d.tap("查询")
        progress = d.screen()
        d.wait("the progress answer", lambda: progress.results is not None, 30)
        before = len(simulator.printed())
        d.tap("打印进度单")
        d.wait("the progress slip", lambda: not printing.busy and printing.message != "正在打印，请稍候…", 60)
        report["progress_message"] = printing.message
        report["progress_text"] = pdf_text(simulator.printed()[-1]) if len(simulator.printed()) > before else ""
        d.shot("progress-printed")
        app.session.cancel()
        d.at_home()
        report["pdf_in_memory"] = len(leaks(app, [b"%PDF-"], stop=[app.session.catalog]))
        report["copy_leaks"] = len(leaks(app, jpegs, stop=[app.session.catalog]))
        report["data_files"] = sorted(str(p.relative_to(config.storage.data_dir))
                                      for p in config.storage.data_dir.rglob("*") if p.is_file())
    finally:
        app.hardware.close()
        if app.a4 is not None:
            app.a4.close()
        central.stop()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    except BaseException:
        print(traceback.format_exc(), flush=True)
        raise
