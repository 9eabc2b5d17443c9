"""The appliance: systemd units, watchdog notifications, udev rules, installer, updates, self-check.

Everything runs for real: `systemd-analyze verify` on the installed units, the installer and the
update script against a throwaway prefix (run twice: the second run must change nothing), a child
process talking sd_notify to a unix datagram socket this test owns.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from terminal import __version__, config as config_module
from terminal.watchdog import Notifier, Watchdog, watchdog_timeout

REPO = Path(__file__).resolve().parent.parent
SYSTEMD = REPO / "systemd"
UNITS = ("gov-terminal-kiosk.service", "gov-terminal-sync.service", "gov-terminal-selfcheck.service",
         "gov-terminal-selfcheck.timer", "gov-terminal-recover@gov-terminal-kiosk.service.service")
PACKAGE_DIRS = ("terminal", "drivers", "ui", "sync")
VENV_SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the installer runs as root (it chowns to the service user)")
needs_systemd_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("systemd-analyze", "systemd-sysusers", "systemd-tmpfiles")),
    reason="systemd tools are not installed")


# ---------------------------------------------------------------- watchdog (sd_notify)

@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    """A unix datagram socket standing in for systemd's notification socket."""
    folder = tempfile.mkdtemp(prefix="notify-", dir="/tmp")  # short path: sun_path holds 108 bytes
    path = os.path.join(folder, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    yield sock, path
    sock.close()
    shutil.rmtree(folder)


def receive(sock: socket.socket, timeout: float) -> dict[str, str] | None:
    """One notification as a dict, or None when nothing came within `timeout`."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return None
    return dict(line.split("=", 1) for line in data.decode().splitlines())


def wait_for(sock: socket.socket, key: str, value: str, timeout: float) -> list[dict[str, str]]:
    """Messages up to and including the first with key=value; fails if it does not come in time."""
    seen = []
    while True:
        message = receive(sock, timeout)
        assert message is not None, f"no {key}={value} within {timeout}s; saw {seen}"
        seen.append(message)
        if message.get(key) == value:
            return seen


CHILD = textwrap.dedent("""
    import os, sys, threading, time
    from terminal.watchdog import Watchdog
    unhealthy, freeze = sys.argv[1], sys.argv[2]
    watchdog = Watchdog(healthy=lambda: not os.path.exists(unhealthy), ready_status="home screen up")
    threading.Thread(target=lambda: threading.Event().wait(), daemon=True).start()  # a busy helper thread
    while True:  # the service's main loop: its first turn sends READY=1
        watchdog.tick()
        if os.path.exists(freeze):
            threading.Event().wait()  # the main loop hangs (a deadlock, a blocking call)
        time.sleep(watchdog.period / 5)
""")


def start_child(path: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "600000",  # WatchdogSec=0.6s: a ping each 0.2 s
           "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "unhealthy"), str(tmp_path / "freeze")],
                            env=env)


def test_watchdog_pings_only_while_healthy(notify_socket: tuple[socket.socket, str], tmp_path: Path) -> None:
    sock, path = notify_socket
    flag = tmp_path / "unhealthy"
    child = start_child(path, tmp_path)
    try:
        first = wait_for(sock, "READY", "1", timeout=20)[-1]
        assert first["STATUS"] == "home screen up"
        for _ in range(4):
            assert receive(sock, timeout=1.0) == {"WATCHDOG": "1"}

        flag.touch()  # the health predicate turns false
        wait_for(sock, "STATUS", "unhealthy: watchdog pings stopped", timeout=2.0)
        # systemd would now see no ping for longer than WatchdogSec (3 x 0.6 s here).
        assert receive(sock, timeout=1.8) is None
        assert child.poll() is None, "the process itself is still running: only the watchdog sees it as unhealthy"

        flag.unlink()
        wait_for(sock, "STATUS", "running", timeout=2.0)
        assert receive(sock, timeout=1.0) == {"WATCHDOG": "1"}
    finally:
        child.kill()
        child.wait()


def test_watchdog_stops_when_the_main_loop_freezes(notify_socket: tuple[socket.socket, str], tmp_path: Path) -> None:
    sock, path = notify_socket
    child = start_child(path, tmp_path)
    try:
        wait_for(sock, "READY", "1", timeout=20)
        assert receive(sock, timeout=1.0) == {"WATCHDOG": "1"}
        (tmp_path / "freeze").touch()
        # At most the ping already under way, then silence although the process and a thread live on.
        in_flight = 0
        while receive(sock, timeout=1.8) is not None:
            in_flight += 1
            assert in_flight <= 1, "pings go on while the main loop is frozen"
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_watchdog_without_systemd_is_a_noop() -> None:
    notifier = Notifier(environ={})
    assert not notifier.enabled
    assert notifier.ready("x") is False
    watchdog = Watchdog(healthy=lambda: True, notifier=notifier, timeout=None)
    assert not watchdog.enabled and watchdog.tick() is True and watchdog.period == 10.0


def test_watchdog_timeout_is_only_for_the_named_process() -> None:
    assert watchdog_timeout({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_timeout({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 30.0
    assert watchdog_timeout({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_timeout({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_timeout({}) is None


def test_watchdog_abstract_socket_and_broken_health_check() -> None:
    name = f"gov-terminal-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    try:
        def broken() -> bool:
            raise RuntimeError("sensor gone")

        clock = iter([0.0, 0.1, 0.2]).__next__
        watchdog = Watchdog(healthy=lambda: True, notifier=Notifier({"NOTIFY_SOCKET": "@" + name}), timeout=3.0,
                            clock=clock)
        watchdog.ready()
        watchdog.ready()  # READY=1 goes out once
        assert receive(sock, 1.0) == {"READY": "1"} and receive(sock, 1.0) == {"WATCHDOG": "1"}
        assert watchdog.tick() and receive(sock, 0.2) is None  # 0.2 s later: not due yet, and no second READY
        watchdog.healthy = broken
        assert watchdog.tick() is False
        assert receive(sock, 1.0) == {"STATUS": "unhealthy: watchdog pings stopped"}
        assert receive(sock, 0.2) is None
    finally:
        sock.close()


# ---------------------------------------------------------------- udev rules

RULE_TOKEN = re.compile(r'\s*([A-Z_]+)(?:\{([^}]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(?:,|$)')
MATCH_KEYS = {"ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "ENV", "ATTR", "ATTRS"}
ASSIGN_KEYS = {"ENV", "SYMLINK", "GROUP", "MODE", "RUN", "GOTO", "LABEL"}


def parse_rules(text: str) -> list[list[tuple[str, str | None, str, str]]]:
    """udev rule lines as (key, attribute, operator, value) tokens; rejects anything malformed."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tokens, position = [], 0
        while position < len(line):
            match = RULE_TOKEN.match(line, position)
            assert match, f"line {number}: cannot parse from {line[position:]!r}"
            key, attr, op, value = match.groups()
            if op in ("==", "!="):
                assert key in MATCH_KEYS, f"line {number}: {key} is not a match key"
            else:
                assert key in ASSIGN_KEYS, f"line {number}: {key} cannot be assigned"
            tokens.append((key, attr, op, value))
            position = match.end()
        rules.append(tokens)
    return rules


def apply_rules(rules: list[list[tuple[str, str | None, str, str]]], device: dict[str, str]) -> dict[str, object]:
    """A small udev: evaluate rules in order for one device (keys like SUBSYSTEM, ENV{X}, ATTRS{x})."""
    env = {k[4:-1]: v for k, v in device.items() if k.startswith("ENV{")}
    result: dict[str, object] = {"SYMLINK": [], "GROUP": None, "MODE": None}
    skip_to = None
    for tokens in rules:
        if skip_to:
            if tokens[0][:1] == ("LABEL",) and tokens[0][3] == skip_to:
                skip_to = None
            continue
        matches = [t for t in tokens if t[2] in ("==", "!=")]

        def value_of(key: str, attr: str | None) -> str:
            return env.get(attr, "") if key == "ENV" else device.get(f"{key}{{{attr}}}" if attr else key, "")

        if not all(fnmatchcase(value_of(k, a), v) == (op == "==") for k, a, op, v in matches):
            continue
        for key, attr, op, value in tokens:
            if key == "ENV" and op == "=":
                env[attr or ""] = value
            elif key == "SYMLINK":
                result["SYMLINK"].append(value)  # type: ignore[union-attr]  # result values are str, list or None by key; SYMLINK is the list
            elif key in ("GROUP", "MODE"):
                result[key] = value
            elif key == "GOTO":
                skip_to = value
    result["ENV"] = env
    return result


USB_SERIAL = {"SUBSYSTEM": "tty", "KERNEL": "ttyUSB0", "ACTION": "add"}


@pytest.mark.parametrize("device, name, group", [
    ({**USB_SERIAL, "ATTRS{idVendor}": "1a86", "ATTRS{idProduct}": "7523"}, "terminal-idcard", "dialout"),
    ({**USB_SERIAL, "ATTRS{idVendor}": "10c4", "ATTRS{idProduct}": "ea60"}, "terminal-idcard", "dialout"),
    ({**USB_SERIAL, "ATTRS{idVendor}": "067b", "ATTRS{idProduct}": "2303"}, "terminal-idcard", "dialout"),
    ({**USB_SERIAL, "ATTRS{idVendor}": "0403", "ATTRS{idProduct}": "6001"}, "terminal-idcard", "dialout"),
    ({"SUBSYSTEM": "usbmisc", "KERNEL": "lp0", "ACTION": "add"}, "terminal-printer", "lp"),
    ({"SUBSYSTEM": "tty", "KERNEL": "ttyACM0", "ACTION": "add", "ATTRS{idVendor}": "0416",
      "ATTRS{idProduct}": "5011"}, "terminal-printer", "lp"),
    ({"SUBSYSTEM": "video4linux", "KERNEL": "video0", "ACTION": "add", "ENV{ID_USB_DRIVER}": "uvcvideo",
      "ENV{ID_V4L_CAPABILITIES}": ":capture:", "ATTR{index}": "0"}, "terminal-camera", "video"),
    ({"SUBSYSTEM": "tty", "KERNEL": "ttyUSB1", "ACTION": "add", "ATTRS{idVendor}": "1a86",
      "ATTRS{idProduct}": "7523", "ENV{GOV_TERMINAL_ROLE}": "keypad"}, "terminal-keypad", "dialout"),
])
def test_udev_rules_name_each_device(device: dict[str, str], name: str, group: str) -> None:
    result = apply_rules(parse_rules((SYSTEMD / "99-gov-terminal.rules").read_text()), device)
    assert result["SYMLINK"] == [name]
    assert result["GROUP"] == group and result["MODE"] == "0660"


@pytest.mark.parametrize("device", [
    {"SUBSYSTEM": "video4linux", "KERNEL": "video1", "ACTION": "add", "ENV{ID_USB_DRIVER}": "uvcvideo",
     "ENV{ID_V4L_CAPABILITIES}": ":capture:", "ATTR{index}": "1"},  # the metadata node of the same camera
    {**USB_SERIAL, "ATTRS{idVendor}": "2341", "ATTRS{idProduct}": "0043"},  # some other serial device
    {**USB_SERIAL, "ACTION": "remove", "ATTRS{idVendor}": "1a86", "ATTRS{idProduct}": "7523"},
])
def test_udev_rules_leave_other_devices_alone(device: dict[str, str]) -> None:
    result = apply_rules(parse_rules((SYSTEMD / "99-gov-terminal.rules").read_text()), device)
    assert result["SYMLINK"] == [] and result["GROUP"] is None


def test_udev_rules_keep_modemmanager_off_the_reader() -> None:
    device = {**USB_SERIAL, "ATTRS{idVendor}": "1a86", "ATTRS{idProduct}": "7523"}
    result = apply_rules(parse_rules((SYSTEMD / "99-gov-terminal.rules").read_text()), device)
    assert result["ENV"]["ID_MM_DEVICE_IGNORE"] == "1"  # type: ignore[index]  # ENV is the dict entry of the mixed result


# ---------------------------------------------------------------- installer, units, update

def rewrite_wheel(source: Path, dest: Path, changes: dict[str, bytes]) -> Path:
    """A copy of a wheel with files replaced or added, and its RECORD kept right."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        record_name = next(n for n in old.namelist() if n.endswith(".dist-info/RECORD"))
        files = {n: old.read(n) for n in old.namelist() if n != record_name}
        files.update(changes)
        lines = []
        for name, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append(f"{name},sha256={digest},{len(data)}")
            new.writestr(name, data)
        new.writestr(record_name, "\n".join([*lines, f"{record_name},,"]) + "\n")
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a wheel, built once from a snapshot of the tree (others may be editing it).

    A test-only `.pth` line gives the installed release this virtual environment's dependencies,
    so the release runs `terminal diag` for real although it is installed with --no-deps.
    """
    snapshot = tmp_path_factory.mktemp("snapshot")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in PACKAGE_DIRS:
        shutil.copytree(REPO / name, snapshot / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, snapshot / name)
    built = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                    "-w", str(built), str(snapshot)], check=True, capture_output=True)
    (plain,) = built.glob("*.whl")
    return rewrite_wheel(plain, built / "with-deps" / plain.name, {"zz_test_deps.pth": f"{VENV_SITE}\n".encode()})


def run_script(script: str, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SYSTEMD / script), *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PIP_PYTHON": sys.executable, **(env or {})})


def install(prefix: Path, wheel: Path, *extra: str) -> subprocess.CompletedProcess:
    done = run_script("install.sh", "--prefix", prefix, "--no-deps", "--source", wheel, *extra)
    assert done.returncode == 0, done.stderr
    return done


def tree(root: Path) -> dict[str, tuple]:
    """Every path under root with its type, mode, owner, modification time and content hash (or link target)."""
    listing = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            what: object = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            what = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            what = "dir"
        listing[str(path.relative_to(root))] = (stat.filemode(info.st_mode), info.st_uid, info.st_gid,
                                                info.st_mtime_ns, what)
    return listing


def passwd_entry(prefix: Path, user: str) -> list[str]:
    for line in (prefix / "etc/passwd").read_text().splitlines():
        if line.startswith(user + ":"):
            return line.split(":")
    raise AssertionError(f"no user {user} in {prefix}/etc/passwd")


@needs_root
@needs_systemd_tools
def test_installer_twice_changes_nothing(tmp_path: Path, wheel: Path) -> None:
    prefix = tmp_path / "root"
    first = install(prefix, wheel)
    assert "built release" in first.stdout + first.stderr
    before = tree(prefix)
    second = install(prefix, wheel)
    assert second.stdout.strip().endswith("install: nothing to change"), second.stdout
    assert tree(prefix) == before

    # The service user, in exactly the device groups it needs.
    uid, gid = int(passwd_entry(prefix, "gov-terminal")[2]), int(passwd_entry(prefix, "gov-terminal")[3])
    groups = {line.split(":")[0] for line in (prefix / "etc/group").read_text().splitlines()
              if "gov-terminal" in line.split(":")[3].split(",")}
    assert groups == {"dialout", "video", "render", "input", "lp", "plugdev"}
    # Keys made on the device, readable by the service user alone.
    keys = prefix / "var/lib/gov-terminal/data/keys"
    for name in ("outbox.key", "platform-secret", "sync-api-secret"):
        info = (keys / name).stat()
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o600, uid, gid), name
    assert len((keys / "platform-secret").read_text().strip()) == 64
    keyring = pytest.importorskip("sync.keys").Keyring(keys / "outbox.key")  # the outbox can use the key
    assert keyring.open(keyring.seal(b"case", b"ctx"), b"ctx") == b"case"
    # The configuration skeleton is valid for this firmware and points at the device names.
    conf = config_module.load(prefix / "etc/gov-terminal/terminal.toml")
    assert str(conf.storage.data_dir) == "/var/lib/gov-terminal/data"
    assert (prefix / "etc/fstab").read_text().count("# BEGIN gov-terminal") == 1
    # The release runs.
    version = subprocess.run([prefix / "opt/gov-terminal/current/venv/bin/terminal", "version"],
                             capture_output=True, text=True, check=True)
    assert version.stdout.strip() == __version__


@needs_root
@needs_systemd_tools
def test_every_unit_verifies_with_nothing_on_stderr(tmp_path: Path, wheel: Path) -> None:
    prefix = tmp_path / "root"
    install(prefix, wheel)
    # verify --root needs the distribution's own units (targets, getty@, pcscd.socket) in the root.
    (prefix / "usr/lib/systemd").mkdir(parents=True, exist_ok=True)
    shutil.copytree("/usr/lib/systemd/system", prefix / "usr/lib/systemd/system", symlinks=True)
    # The data partition's mount as systemd's fstab generator makes it, so our drop-in is checked too.
    mount = "var-lib-gov\\x2dterminal.mount"
    (prefix / "etc/systemd/system" / mount).write_text(
        "[Mount]\nWhat=/dev/disk/by-label/GTDATA\nWhere=/var/lib/gov-terminal\nType=ext4\n")
    assert (prefix / "etc/systemd/system" / f"{mount}.d/60-gov-terminal.conf").exists()
    done = subprocess.run(["systemd-analyze", "verify", f"--root={prefix}", *UNITS, mount],
                          capture_output=True, text=True, timeout=60)
    assert done.stderr == "" and done.returncode == 0, done.stderr
    # The hardening holds: systemd's own exposure score (0 best, 10 worst) stays low.
    for unit in (u for u in UNITS if u.endswith(".service")):
        done = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={prefix}", unit],
                              capture_output=True, text=True, timeout=60)
        score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout).group(1))
        assert score <= 3.0, f"{unit}: exposure {score}"
    # The ExecStart checks were real: without the release the same call complains.
    (prefix / "var/lib/gov-terminal/app/current").unlink()
    done = subprocess.run(["systemd-analyze", "verify", f"--root={prefix}", UNITS[0]],
                          capture_output=True, text=True, timeout=60)
    assert "is not executable" in done.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", sorted(p.name for p in SYSTEMD.glob("*.service")))
def test_unit_exposure_is_low(unit: str) -> None:
    """systemd's own exposure score (0 best, 10 worst) of each unit file as shipped, root or not:
    the recovery unit was 8.1 EXPOSED before it was hardened."""
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(SYSTEMD / unit)],
                          capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
    if found is None and "offline" in done.stderr:
        pytest.skip(f"systemd-analyze security --offline needs systemd 252 or later: {done.stderr.strip()}")
    assert found is not None, done.stderr
    assert float(found.group(1)) <= 3.0, f"{unit}: exposure {found.group(1)}\n{done.stdout}"


def test_units_keep_their_promises() -> None:
    """What the deployment guide relies on, so that an edit cannot quietly drop it."""
    def keys(name: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for line in (SYSTEMD / name).read_text().splitlines():
            if "=" in line and not line.startswith(("#", "[")):
                key, value = line.split("=", 1)
                found.setdefault(key, []).append(value)
        return found

    for name in ("gov-terminal-kiosk.service", "gov-terminal-sync.service"):
        unit = keys(name)
        for key, value in {"Type": "notify", "NotifyAccess": "main", "Restart": "always", "User": "gov-terminal",
                           "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                           "NoNewPrivileges": "yes", "CapabilityBoundingSet": "",
                           "ReadWritePaths": "/var/lib/gov-terminal/data",
                           "OnFailure": "gov-terminal-recover@%n.service"}.items():
            assert unit.get(key) == [value], f"{name}: {key}"
        assert unit["WatchdogSec"] and unit["StartLimitBurst"] and unit["StartLimitIntervalSec"]


@needs_root
@needs_systemd_tools
def test_uninstall_keeps_data_unless_purged(tmp_path: Path, wheel: Path) -> None:
    prefix = tmp_path / "root"
    install(prefix, wheel)
    secret = (prefix / "var/lib/gov-terminal/data/keys/platform-secret").read_text()
    run_script("install.sh", "--prefix", prefix, "--uninstall").check_returncode()
    assert not (prefix / "etc/systemd/system/gov-terminal-kiosk.service").exists()
    assert not (prefix / "etc/udev/rules.d/99-gov-terminal.rules").exists()
    assert not (prefix / "opt/gov-terminal").is_symlink()
    assert "gov-terminal" not in (prefix / "etc/fstab").read_text()
    assert (prefix / "var/lib/gov-terminal/data/keys/platform-secret").read_text() == secret
    assert (prefix / "etc/gov-terminal/terminal.toml").exists()
    run_script("install.sh", "--prefix", prefix, "--uninstall", "--purge").check_returncode()
    assert not (prefix / "var/lib/gov-terminal").exists() and not (prefix / "etc/gov-terminal").exists()
    assert "gov-terminal:" not in (prefix / "etc/passwd").read_text()


@needs_root
@needs_systemd_tools
def test_update_refuses_a_broken_release_and_switches_to_a_good_one(tmp_path: Path, wheel: Path) -> None:
    prefix = tmp_path / "root"
    install(prefix, wheel)
    current = prefix / "var/lib/gov-terminal/app/current"
    old = os.readlink(current)
    data = tmp_path / "data"
    settings = tmp_path / "terminal.toml"  # the diag check of the new release runs with this
    settings.write_text(f'[storage]\ndata_dir = "{data}"\n')
    env = {"TERMINAL_CONFIG": str(settings)}

    with zipfile.ZipFile(wheel) as z:
        cli = z.read("terminal/cli.py")
    broken = rewrite_wheel(wheel, tmp_path / "broken" / wheel.name,
                           {"terminal/cli.py": cli.replace(b"def main(", b"raise ImportError('bad build')\ndef main(")})
    done = run_script("update.sh", "--prefix", prefix, "--no-deps", broken, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "event=update_refused" in done.stdout
    assert os.readlink(current) == old

    good = rewrite_wheel(wheel, tmp_path / "good" / wheel.name, {"terminal/cli.py": cli + b"\n# 0.1.1\n"})
    done = run_script("update.sh", "--prefix", prefix, "--no-deps", good, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert os.readlink(current) != old and (prefix / "opt/gov-terminal" / os.readlink(current)).is_dir()
    assert (prefix / "var/lib/gov-terminal/app/previous").read_text().strip() == Path(old).name
    again = run_script("update.sh", "--prefix", prefix, "--no-deps", good, env=env)
    assert "already active" in again.stdout
    new = os.readlink(current)
    back = run_script("update.sh", "--prefix", prefix, "--rollback", env=env)
    assert back.returncode == 0 and os.readlink(current) == old, back.stdout + back.stderr
    assert (prefix / "var/lib/gov-terminal/app/previous").read_text().strip() == Path(new).name


# ---------------------------------------------------------------- self-check and recovery scripts

def test_selfcheck_writes_a_dated_report_and_keeps_the_newest(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for day in ("20200101", "20200102", "20200103"):
        (reports / f"selfcheck-{day}-033000.json").write_text("{}")
    settings = tmp_path / "terminal.toml"
    settings.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    terminal_bin = Path(sys.executable).parent / "terminal"
    done = subprocess.run(["sh", str(SYSTEMD / "selfcheck.sh")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TERMINAL_BIN": str(terminal_bin), "REPORT_DIR": str(reports),
                               "KEEP_REPORTS": "2", "TERMINAL_CONFIG": str(settings), "CHECKS": "system"})
    assert done.returncode in (0, 1), done.stderr
    latest = reports / "selfcheck-latest.json"
    report = json.loads(latest.read_text())
    assert [c["device"] for c in report["checks"]] == ["system"]
    dated = sorted(p.name for p in reports.glob("selfcheck-2*.json"))
    assert len(dated) == 2 and dated[0] == "selfcheck-20200103-033000.json"
    assert os.readlink(latest) == dated[1]


def test_recover_reboots_at_most_three_times_a_day(tmp_path: Path) -> None:
    """The recovery script with `systemctl` replaced by a recorder on PATH (it must not reboot us)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "systemctl").chmod(0o755)
    state = tmp_path / "state"
    console = tmp_path / "tty1"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STATE_DIR": str(state),
           "TERMINAL_PYTHON": "/nonexistent", "CONSOLE": str(console)}

    def recover(unit: str = "gov-terminal-kiosk.service") -> str:
        done = subprocess.run(["sh", str(SYSTEMD / "recover.sh"), unit],
                              capture_output=True, text=True, env=env, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    for count in (1, 2, 3):
        assert f"action=reboot reboots_24h={count}" in recover()
    assert calls.read_text().splitlines() == ["reboot"] * 3
    assert "action=out_of_order_screen" in recover()
    assert "OUT OF ORDER" in console.read_text()  # no display code here: the console says it
    assert calls.read_text().splitlines() == ["reboot"] * 3 + ["stop getty@tty1.service"]
    # Without the data partition: the out-of-order screen at once, never a reboot loop.
    console.unlink()
    assert "event=data_partition_missing" in recover("var-lib-gov\\x2dterminal.mount")
    assert "OUT OF ORDER" in console.read_text() and "reboot" not in calls.read_text().splitlines()[4:]
    # Reboots older than a day no longer count.
    (state / "kiosk-reboots").write_text("1\n2\n3\n")
    assert "reboots_24h=1" in recover()
    # A reboot book that cannot be written (the sandbox's state folder missing): no uncounted reboot.
    reboots = calls.read_text().count("reboot\n")
    (tmp_path / "not-a-folder").write_text("")
    env["STATE_DIR"] = str(tmp_path / "not-a-folder" / "state")
    assert "event=reboot_book_unwritable" in recover() and calls.read_text().count("reboot\n") == reboots


def test_out_of_order_screen_fills_a_framebuffer(tmp_path: Path) -> None:
    from terminal import outoforder

    sysfs = tmp_path / "fb0"
    sysfs.mkdir()
    (sysfs / "virtual_size").write_text("800,480\n")
    (sysfs / "bits_per_pixel").write_text("16\n")
    (sysfs / "stride").write_text("1664\n")  # padded rows, as some drivers have
    framebuffer = tmp_path / "fb"
    framebuffer.write_bytes(b"")
    assert outoforder.main(["--fb", str(framebuffer), "--sysfs", str(sysfs)]) == 0
    raw = framebuffer.read_bytes()
    assert len(raw) == 1664 * 480
    background = outoforder.to_raw(outoforder.render(800, 480).crop((0, 0, 1, 1)), 16, 2)
    assert raw[:2] == background and raw[1600:1664] == b"\0" * 64
    assert len(set(raw[1664 * 150:1664 * 160])) > 2, "the title rows carry text"
