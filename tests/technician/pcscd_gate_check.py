"""The technician gate with its card on a real pcscd (vsmartcard's virtual reader), as on the kiosk.

Run by tests/technician/test_gate_pcscd.py in a pytest of its own: pyscard stays bound to the
first pcscd a process talks to, so sharing a process with tests/smartcard's daemon would break
whichever of the two ran second.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from drivers.smartcard.driver import PcscChannel, list_readers
from drivers.smartcard.technician import TechnicianCard, WrongPin
from drivers.smartcard.virtualcard import TechnicianApplet, VpcdCard
from terminal.assembly.technician import CardRequired, TechnicianGate, technician_auth
from terminal.devices import parse_address
from tests.smartcard.conftest import READER_PREFIX, Pcscd, pcscd  # noqa: F401 (fixture, started when none runs)
from tests.smartcard.test_pcscd import insert_and_wait, remove_and_wait
from tests.technician.conftest import PIN, technician_config


@pytest.fixture
def reader(request: pytest.FixtureRequest) -> Pcscd:
    """The pcscd this process may use: one the parent test session already runs (pyscard stays bound to
    the first daemon it talks to), else a new one from tests/smartcard's fixture."""
    socket_path = os.environ.get("PCSCLITE_CSOCK_NAME")
    if socket_path:
        root = Path(socket_path).parent.parent
        found = re.search(r"CHANNELID (\d+)", (root / "reader.conf.d" / "vpcd").read_text())
        assert found is not None, "the running pcscd was not started by tests/smartcard/conftest.py"
        port = int(found.group(1))
        name = next(r for r in list_readers() if r.startswith(READER_PREFIX))
        return Pcscd(port, name, root / "pcscd.log")
    return request.getfixturevalue("pcscd")


def test_gate_reads_the_card_on_the_configured_pcsc_reader(reader: Pcscd, tmp_path: Path) -> None:
    pcscd = reader
    base = technician_config(tmp_path, allow_pin_only=True)
    settings = dataclasses.replace(base.devices.smartcard, address=parse_address(f"pcsc://{pcscd.reader}", "smartcard"))
    config = dataclasses.replace(base, devices=dataclasses.replace(base.devices, smartcard=settings))
    auth = technician_auth(config, scrypt_n=2 ** 8)
    gate = TechnicianGate(config, auth, TechnicianGate.from_config(config).open_card)
    card = VpcdCard(TechnicianApplet(), pcscd.port)
    insert_and_wait(card, pcscd)
    try:
        channel = PcscChannel(pcscd.reader)
        auth.enrol(TechnicianCard(channel), "team-1", PIN)
        channel.close()
        with pytest.raises(WrongPin):
            gate.login("000000")
        assert gate.login(PIN).card_id and gate.logged_in
    finally:
        remove_and_wait(card, pcscd)
    gate.logout("done")
    # No card on the reader: PIN alone is allowed here, but no PIN-only PIN is set, so it is refused.
    with pytest.raises(WrongPin):
        gate.login(PIN)
    strict = TechnicianGate(technician_config(tmp_path), auth, gate.open_card)
    with pytest.raises(CardRequired):
        strict.login(PIN)
