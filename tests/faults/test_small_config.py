"""Bad configuration never ends in a traceback: each case is one sentence naming the key or file and
what to do, and a non-zero exit, from the commands that start the services (`run`, `sync serve`, `diag`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from terminal import config
from terminal.cli import main
from terminal.config import DataDirUnusable, StorageSettings, ensure_data_dir
from terminal.errors import ConfigError
from terminal.fonts import FontMissing, find_cjk_font
from tests.tmpfs import tmpfs

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
COMMANDS = (["run", "--simulate", "--windowed"], ["sync", "serve"], ["diag", "system"])


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *words: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("terminal: ")
    for word in words:
        assert word in err
    return err


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_data_dir_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (tmp_path / "afile").write_text("x")
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "afile"}"\n')
    _refused(["--config", cfg, *command], capsys, "storage.data_dir", "is a file, not a folder", "数据目录")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_data_dir_with_a_missing_parent_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       command: list[str]) -> None:
    target = tmp_path / "unmounted" / "gov-terminal"
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{target}"\n')
    _refused(["--config", cfg, *command], capsys, "storage.data_dir", "parent folder", "mounted")
    assert not (tmp_path / "unmounted").exists()


@pytest.mark.parametrize("value", ["", "  ", "data", "./keys"])
def test_empty_or_relative_data_dir_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{value}"\n')
    for command in COMMANDS:
        _refused(["--config", cfg, *command], capsys, "storage.data_dir", "absolute folder path")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terminal.toml"]  # nothing written to the cwd


def _unwritable_dir(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (as root a chmod does not stop it; /sys does)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o500)
        return folder
    return Path("/sys")


@pytest.mark.parametrize("command", COMMANDS[:2], ids=lambda c: c[0])
def test_unwritable_data_dir_stops_the_services_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         command: list[str]) -> None:
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{_unwritable_dir(tmp_path)}"\n')
    _refused(["--config", cfg, *command], capsys, "storage.data_dir", "not writable")


def test_unwritable_data_dir_is_a_fault_in_diag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{_unwritable_dir(tmp_path)}"\n')
    assert main(["--config", cfg, "diag", "system"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("system     fault") and "数据目录不可写" in out


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "latin1.toml").write_bytes('[terminal]\nname = "终端"\n'.encode("gb18030"))
    (tmp_path / "folder.toml").mkdir()
    loop = tmp_path / "loop.toml"
    loop.symlink_to(tmp_path / "loop2.toml")
    (tmp_path / "loop2.toml").symlink_to(loop)
    return {"utf8": tmp_path / "latin1.toml", "dir": tmp_path / "folder.toml", "loop": loop}


@pytest.mark.parametrize(("case", "words"), [
    ("utf8", ["not UTF-8", "save it as UTF-8"]),
    ("dir", ["cannot be read", "Is a directory"]),
    ("loop", ["symbolic link that loops"]),
])
def test_unreadable_configuration_files(bad_files: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                        case: str, words: list[str]) -> None:
    _refused(["--config", str(bad_files[case]), "diag"], capsys, str(bad_files[case]), *words, "配置")


def test_bad_ipv6_device_address_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, '[devices.printer]\naddress = "tcp://[::1:9100"\n')
    _refused(["--config", cfg, "diag"], capsys, "devices.printer.address", "tcp://[::1]:9100")


@pytest.mark.parametrize(("font", "words"), [
    ("not-a-font", ["display.font", "not a font file"]),
    ("latin", ["display.font", "no glyphs for Chinese"]),
])
def test_fonts_that_cannot_draw_chinese_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    font: str, words: list[str]) -> None:
    if font == "latin":
        if not LATIN_FONT.is_file():
            pytest.skip("fonts-dejavu-core is not installed")
        path = LATIN_FONT
    else:
        path = tmp_path / "font.ttf"
        path.write_bytes(b"\x00\x01\x00\x00" + b"not really a font" * 50)
    find_cjk_font.cache_clear()
    cfg = _config(tmp_path, f'[display]\nfont = "{path}"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    _refused(["--config", cfg, "run", "--simulate", "--windowed"], capsys, *words)


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    """The installed entry point, as systemd starts it: the same sentence on stderr, exit 2."""
    (tmp_path / "afile").write_text("x")
    cfg = _config(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "afile"}"\n')
    done = subprocess.run([sys.executable, "-m", "terminal", "--config", cfg, "sync", "serve"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "storage.data_dir" in done.stderr


def test_read_only_partition_is_not_a_configuration_error(tmp_path: Path) -> None:
    """A read-only mount is a fault the services run degraded through (delivery, verify, diag), not a
    misconfiguration: only a folder the user may not write is refused."""
    with tmpfs(tmp_path / "ro", "size=1m,ro") as mountpoint:
        assert ensure_data_dir(StorageSettings(data_dir=mountpoint), writable=True) == mountpoint


def _cut_font(tmp_path: Path) -> Path:
    """The first 64 KB of the CJK font: its header says TrueType, its glyphs are gone."""
    whole = find_cjk_font("")
    cut = tmp_path / "cut.ttc"
    cut.write_bytes(whole.read_bytes()[:65536])
    return cut


@pytest.mark.parametrize("font", ["folder", "nul", "long", "cut"])
def test_odd_font_settings_are_font_errors(tmp_path: Path, font: str) -> None:
    value = {"folder": str(tmp_path), "nul": "/tmp/a\0b.ttf", "long": "/tmp/" + "a" * 5000,
             "cut": str(_cut_font(tmp_path))}[font]
    find_cjk_font.cache_clear()
    with pytest.raises(FontMissing) as refused:
        find_cjk_font(value)
    assert "display.font" in refused.value.message and "中文字体" in refused.value.advice_zh


@pytest.mark.parametrize(("toml", "words"), [
    ('[timeouts]\ndevice_seconds = nan\n', ["timeouts.device_seconds", "finite"]),
    ('[platform]\ntimeout_seconds = inf\n', ["platform.timeout_seconds", "finite"]),
    ('[storage]\ndata_dir = "/tmp/a\\u0000b"\n', ["storage.data_dir", "control characters"]),
    ('[devices.printer]\naddress = "tcp://host:9100\\n"\n', ["devices.printer.address", "control characters"]),
    ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", ["not valid TOML"]),
    ("# " + "x" * (2 * 1024 * 1024) + "\n", ["larger than"]),
])
def test_hostile_configuration_files(tmp_path: Path, toml: str, words: list[str]) -> None:
    path = tmp_path / "terminal.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        config.load(path)
    for word in words:
        assert word in refused.value.message


def test_unusable_data_dir_names(tmp_path: Path) -> None:
    with pytest.raises(DataDirUnusable, match="cannot be"):
        ensure_data_dir(StorageSettings(data_dir=Path("/tmp/" + "a" * 5000)), writable=False)


KEYS = [(key, kind) for key, _field, kind in config.iter_keys()]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=40), st.dates(), st.lists(st.text(max_size=8), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([k for k, _ in KEYS] + ["terminal.colour", "extra"]), VALUES, max_size=6))
def test_any_values_give_a_config_or_a_config_error(values: dict[str, object]) -> None:
    data: dict[str, object] = {}
    for dotted, value in values.items():
        *sections, name = dotted.split(".")
        table = data
        for section in sections:
            table = table.setdefault(section, {})  # type: ignore[assignment]  # a nested TOML table is a dict
            if not isinstance(table, dict):
                break
        else:
            table[name] = value
    try:
        config.from_dict(data)
    except ConfigError as refused:
        assert refused.message.startswith(("configuration key", "unknown configuration key"))
