"""pyscard against a real pcscd with the vpcd reader and the virtual technician card."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.smartcard import NoCard
from drivers.smartcard.codec import TECHNICIAN_AID, Apdu, ApplicationNotFound, InstructionNotSupported, check_status
from drivers.smartcard.driver import CardEvent, CardMonitor, PcscChannel, list_readers
from drivers.smartcard.technician import (
    CardNotEnrolled,
    CardProofFailed,
    TechnicianAuth,
    TechnicianCard,
    WrongPin,
)
from drivers.smartcard.virtualcard import ATR, TechnicianApplet, VpcdCard
from terminal.events import EVENTS
from tests.smartcard.conftest import Pcscd, wait_until


@pytest.fixture
def inserted(pcscd: Pcscd) -> Iterator[VpcdCard]:
    """A fresh virtual card in the vpcd reader, removed afterwards."""
    card = VpcdCard(TechnicianApplet(), pcscd.port)
    insert_and_wait(card, pcscd)
    yield card
    remove_and_wait(card, pcscd)


def _card_ready(pcscd: Pcscd) -> bool:
    try:
        PcscChannel(pcscd.reader).close()
        return True
    except NoCard:
        return False


def insert_and_wait(card: VpcdCard, pcscd: Pcscd) -> None:
    card.insert()
    wait_until(lambda: _card_ready(pcscd), 10, "the card to be powered up")


def remove_and_wait(card: VpcdCard, pcscd: Pcscd) -> None:
    card.remove()
    wait_until(lambda: not _card_ready(pcscd), 10, "the card to be gone")


def test_reader_listing(pcscd: Pcscd) -> None:
    assert pcscd.reader in list_readers()


def test_apdu_exchange_and_status_word_errors(pcscd: Pcscd, inserted: VpcdCard) -> None:
    channel = PcscChannel(pcscd.reader)
    try:
        assert channel.atr == ATR
        with pytest.raises(InstructionNotSupported):  # nothing selected yet
            check_status(channel.transmit(Apdu(0x80, 0xCA, le=16).encode()))
        with pytest.raises(ApplicationNotFound) as raised:
            check_status(channel.transmit(Apdu(0x00, 0xA4, 0x04, 0x00, b"\xa0\x00\x00\x00\x03").encode()))
        assert raised.value.sw == 0x6A82 and "技术人员卡" in raised.value.advice_zh
        card = TechnicianCard(channel)
        assert card.card_id() == inserted.applet.card_id
    finally:
        channel.close()
    assert TECHNICIAN_AID.hex().upper() in pcscd.log.read_text().replace(" ", "").upper()  # pcscd -a saw it


def test_monitor_reports_insert_and_remove(pcscd: Pcscd) -> None:
    events: queue.Queue[CardEvent] = queue.Queue()
    monitor = CardMonitor(EVENTS, events.put, readers=[pcscd.reader]).start()
    card = VpcdCard(TechnicianApplet(), pcscd.port)
    try:
        card.insert()
        event = events.get(timeout=10)
        assert (event.kind, event.reader, event.atr) == ("card-inserted", pcscd.reader, ATR)
        card.remove()
        assert events.get(timeout=10).kind == "card-removed"
    finally:
        card.remove()
        monitor.stop()


def test_technician_login_through_pcscd(pcscd: Pcscd, tmp_path: Path) -> None:
    auth = TechnicianAuth(tmp_path / "data" / "technician_cards.json", scrypt_n=2 ** 12)
    enrolled = VpcdCard(TechnicianApplet(), pcscd.port)
    insert_and_wait(enrolled, pcscd)
    try:
        channel = PcscChannel(pcscd.reader)
        card_id = auth.enrol(TechnicianCard(channel), "张工", "246810")
        login = auth.login(TechnicianCard(channel), "246810")
        assert (login.card_id, login.label) == (card_id, "张工")
        with pytest.raises(WrongPin):
            auth.login(TechnicianCard(channel), "000000")
        channel.close()
    finally:
        remove_and_wait(enrolled, pcscd)
    assert (tmp_path / "data" / "technician_cards.json").stat().st_mode & 0o777 == 0o600

    # A copy that claims the enrolled card ID but holds another key, and a card never enrolled.
    for applet, error in ((TechnicianApplet(card_id=bytes.fromhex(card_id)), CardProofFailed),
                          (TechnicianApplet(), CardNotEnrolled)):
        impostor = VpcdCard(applet, pcscd.port)
        insert_and_wait(impostor, pcscd)
        try:
            channel = PcscChannel(pcscd.reader)
            card = TechnicianCard(channel)
            card.public_key(generate_if_missing=True)
            with pytest.raises(error):
                auth.login(card, "246810")  # the right PIN does not help
            channel.close()
        finally:
            remove_and_wait(impostor, pcscd)


def _diag(*args: str, env: dict[str, str] | None = None, config: Path | None = None) -> dict:
    import json
    import os
    import subprocess
    import sys
    command = [sys.executable, "-m", "terminal"] + (["--config", str(config)] if config else [])
    result = subprocess.run([*command, "diag", "smartcard", "--json", *args], capture_output=True, text=True,
                            timeout=60, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)["checks"][0]


def test_diag_smartcard_cli(pcscd: Pcscd, tmp_path: Path) -> None:
    device = f"pcsc://{pcscd.reader}"
    no_card = _diag("--device", device)
    assert no_card["status"] == "ok" and "没有插卡" in no_card["summary"]
    assert pcscd.reader in no_card["details"]["readers"]

    config = tmp_path / "terminal.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    applet = TechnicianApplet()
    card = VpcdCard(applet, pcscd.port)
    insert_and_wait(card, pcscd)
    try:
        channel = PcscChannel(pcscd.reader)
        TechnicianAuth(tmp_path / "data" / "technician_cards.json", scrypt_n=2 ** 10).enrol(
            TechnicianCard(channel), "测试技术员", "112233")
        channel.close()
        result = _diag("--device", "pcsc://Virtual", config=config)
    finally:
        remove_and_wait(card, pcscd)
    assert result["status"] == "ok" and result["details"]["enrolled"] is True
    assert result["details"]["technician_card"].startswith(applet.card_id.hex()[:8])

    gone = _diag("--device", device, env={"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-such.comm")})
    assert gone["status"] == "absent" and "pcscd" in gone["summary"]
    missing = _diag("--device", "pcsc://No Such Reader")
    assert missing["status"] == "absent"
