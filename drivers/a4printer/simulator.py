"""A real IPP Everywhere printer for `sim`, tests and benchmarks: Debian's `ippeveprinter` (cups-ipp-utils).

It speaks the same IPP as an office printer. Each job runs a small command that keeps the PDF
(in `out/`, or nowhere with `keep=False`) and reads fault switches from a file: a fault makes the
command write `STATE: +media-empty` (or jam, door-open, ...) to stderr, which ippeveprinter turns
into `printer-state-reasons`, and exit 1, which aborts the job. `toner-low` prints and warns.
ippeveprinter needs a D-Bus system bus for its DNS-SD start even with registration off (`-r off`),
so a private `dbus-daemon` runs beside it. `PrivateCups` adds a real CUPS scheduler with a queue
in front of it, the way a Raspberry Pi terminal reaches its printer.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from terminal.errors import DeviceMissing

FAULTS = {"media-empty": "+media-empty", "media-jam": "+media-jam", "door-open": "+cover-open",
          "toner-empty": "+toner-empty", "offline": "+moving-to-paused"}  # keywords ippeveprinter knows
WARNINGS = {"toner-low": "+toner-low"}
ALL_REASONS = "media-empty,media-jam,cover-open,toner-empty,toner-low,moving-to-paused"

COMMAND = """#!/bin/sh
# one job: $1 is the document. Fault switches come from $A4SIM_DIR/faults (one per line).
dir="$A4SIM_DIR"
echo "STATE: -{all}" >&2
fault=""
for name in $(cat "$dir/faults" 2>/dev/null); do
  case "$name" in
{cases}
  esac
done
[ -n "$fault" ] && exit 1
if [ -f "$dir/keep" ]; then cp "$1" "$dir/out/job-$(date +%s%N).pdf"; fi
echo "ATTR: job-impressions-completed=$(cat "$dir/pages" 2>/dev/null || echo 0)" >&2
exit 0
"""


def binaries_missing(*names: str) -> list[str]:
    """Which of the programs the simulator needs are not installed."""
    return [name for name in names if shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DeviceMissing(f"{what} exited with {process.returncode}", device="a4printer")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # a server coming up has no event to wait on but its port
    raise DeviceMissing(f"{what} did not listen on port {port} within {timeout} s", device="a4printer")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class IppEvePrinter:
    """ippeveprinter on 127.0.0.1:`port` in a private folder; `uri` is its IPP address."""

    def __init__(self, faults: frozenset[str] | set[str] = frozenset(), *, keep: bool = True,
                 folder: Path | None = None) -> None:
        missing = binaries_missing("ippeveprinter", "dbus-daemon")
        if missing:
            raise DeviceMissing(f"A4 printer simulator needs {', '.join(missing)} (cups-ipp-utils, dbus-daemon)",
                                device="a4printer")
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="a4sim-"))
        self.out = self.folder / "out"
        self.out.mkdir(parents=True, exist_ok=True)
        (self.folder / "spool").mkdir(exist_ok=True)
        if keep:
            (self.folder / "keep").touch()
        self.port = free_port()
        self.uri = f"ipp://localhost:{self.port}/ipp/print"
        self._dbus: subprocess.Popen[bytes] | None = None
        self._printer: subprocess.Popen[bytes] | None = None
        self.set_faults(*faults)

    def set_faults(self, *faults: str) -> None:
        """Switches for the next job: media-empty, media-jam, door-open, toner-empty, offline, toner-low."""
        unknown = set(faults) - set(FAULTS) - set(WARNINGS)
        if unknown:
            raise ValueError(f"unknown A4 printer faults: {', '.join(sorted(unknown))}")
        (self.folder / "faults").write_text("\n".join(faults))

    def set_pages(self, pages: int) -> None:
        """The page count the next jobs report (ippeveprinter does not count PDF pages itself)."""
        (self.folder / "pages").write_text(str(pages))

    def start(self) -> IppEvePrinter:
        cases = "\n".join([*(f'    {name}) echo "STATE: {state}" >&2; fault=1 ;;' for name, state in FAULTS.items()),
                           *(f'    {name}) echo "STATE: {state}" >&2 ;;' for name, state in WARNINGS.items())])
        command = self.folder / "print.sh"
        command.write_text(COMMAND.format(all=ALL_REASONS, cases=cases))
        command.chmod(0o755)
        bus = self.folder / "bus.sock"
        bus.unlink(missing_ok=True)
        (self.folder / "dbus.conf").write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            f"<busconfig><type>system</type><listen>unix:path={bus}</listen><auth>EXTERNAL</auth>"
            '<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>'
            '<allow own="*"/><allow user="*"/>'
            "</policy></busconfig>\n")
        self._dbus = subprocess.Popen(["dbus-daemon", f"--config-file={self.folder / 'dbus.conf'}", "--nofork"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not bus.exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # the socket file appears when the bus listens
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={bus}", "A4SIM_DIR": str(self.folder)}
        log = open(self.folder / "ippeveprinter.log", "wb")  # the child keeps it open
        self._printer = subprocess.Popen(
            ["ippeveprinter", "-r", "off", "-n", "localhost", "-p", str(self.port), "-d", str(self.folder / "spool"),
             "-f", "application/pdf", "-c", str(command), "-m", "A4 Simulator", "A4 Terminal Printer"],
            env=env, stdout=log, stderr=log)
        log.close()
        _wait_for_port(self.port, self._printer, "ippeveprinter")
        return self

    def fix(self) -> None:
        """A technician clears the fault: no fault switches, and ippeveprinter restarted on the same port
        (it holds printer-state-reasons such as media-empty until then, as a printer does until serviced)."""
        self.set_faults()
        _stop(self._printer)
        _stop(self._dbus)
        self.start()

    def printed(self) -> list[Path]:
        """The PDFs printed so far, oldest first."""
        return sorted(self.out.glob("job-*.pdf"))

    def stop(self) -> None:
        """Stop the printer (it then does not answer at all) and its bus."""
        _stop(self._printer)
        _stop(self._dbus)
        self._printer = self._dbus = None

    def close(self) -> None:
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> IppEvePrinter:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


CUPSD_CONF = """LogLevel warn
Listen 127.0.0.1:{port}
Listen {folder}/cups.sock
Browsing No
DefaultAuthType None
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """ServerRoot {folder}
RequestRoot {folder}/spool
TempDir {folder}/tmp
CacheDir {folder}/cache
StateDir {folder}/state
AccessLog {folder}/log/access_log
ErrorLog {folder}/log/error_log
PageLog {folder}/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
Sandboxing Relaxed
"""


class PrivateCups:
    """A real CUPS scheduler (`cupsd -f`) in a private folder on 127.0.0.1:`port`, with one IPP Everywhere
    queue `A4` in front of `printer`; `uri` is the queue's IPP address, as a terminal's configuration names it."""

    QUEUE = "A4"

    def __init__(self, printer: IppEvePrinter, folder: Path | None = None) -> None:
        missing = binaries_missing("cupsd", "lpadmin", "lpstat", "cupsdisable", "cupsenable")
        if missing:
            raise DeviceMissing(f"private CUPS needs {', '.join(missing)} (cups, cups-client)", device="a4printer")
        self.printer = printer
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="a4cups-"))
        self.port = free_port()
        self.uri = f"ipp://localhost:{self.port}/printers/{self.QUEUE}"
        self._cupsd: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateCups:
        for sub in ("spool", "tmp", "cache", "state", "log", "ppd"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        for path in (self.folder, *self.folder.iterdir()):
            path.chmod(0o755)  # filters run as the lp user when cupsd runs as root
        (self.folder / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port, folder=self.folder))
        (self.folder / "cups-files.conf").write_text(CUPS_FILES_CONF.format(folder=self.folder))
        self._cupsd = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.folder / "cupsd.conf"), "-s", str(self.folder / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self._cupsd, "cupsd")
        subprocess.run(["lpadmin", "-h", f"127.0.0.1:{self.port}", "-p", self.QUEUE, "-E",
                        "-v", self.printer.uri, "-m", "everywhere", "-o", "media-default=iso_a4_210x297mm",
                        "-o", "printer-error-policy=abort-job"],
                       check=True, capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the queue's PPD is written after lpadmin returns
            state = subprocess.run(["lpstat", "-h", f"127.0.0.1:{self.port}", "-a", self.QUEUE],
                                   capture_output=True, text=True, timeout=10)
            if "accepting" in state.stdout and "not accepting" not in state.stdout and \
                    (self.folder / "ppd" / f"{self.QUEUE}.ppd").exists():
                break
            time.sleep(0.05)
        return self

    def _admin(self, command: str) -> None:
        subprocess.run([command, "-h", f"127.0.0.1:{self.port}", self.QUEUE], check=True, capture_output=True, timeout=30)

    def pause(self) -> None:
        """Stop the queue (`cupsdisable`): printer-state stopped, as an operator pausing the printer."""
        self._admin("cupsdisable")

    def resume(self) -> None:
        self._admin("cupsenable")

    def close(self) -> None:
        _stop(self._cupsd)
        self._cupsd = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivateCups:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
