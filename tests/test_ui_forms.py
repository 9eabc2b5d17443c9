"""Consent declined, applying as an agent (代办人) with a postal address, and the principal typed, on the
real kiosk offscreen with simulated devices and the reference central server (tests/ui_forms_probe.py)."""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_probe("tests.ui_forms_probe", tmp_path_factory.mktemp("forms"), timeout=280)


def test_declining_consent_reads_nothing_and_points_to_the_window(probe: dict) -> None:
    agent = probe["agent"]
    assert agent["declined_reads_nothing"] and agent["declined_state"] == "home"


def test_an_agent_applies_with_both_cards_and_a_postal_address(probe: dict) -> None:
    agent = probe["agent"]
    case = agent["case"]
    assert case["agent"] and case["applicant"] and case["agent"] != case["applicant"]
    assert case["delivery"] == "post" and "power_of_attorney" in case["materials"]
    assert {"identify-agent", "identify-principal", "form-agent", "review-agent"} <= set(agent["screens_read"])
    # neither identity nor the address in full on any screen, but on the writer while the address is typed
    assert agent["unmasked_on"] == ["form-address"]
    assert agent["receipt_masked"]
    assert agent["plain_on_disk"] == []  # encrypted at rest like the rest of the case


def test_the_central_server_receives_agent_delivery_and_consent_versions(probe: dict) -> None:
    agent = probe["agent"]
    assert agent["central"]["agent"] == agent["case"]["agent"] and agent["central"]["delivery"] == "post"
    assert agent["central"]["consent"] == {"notice_version": "2026-12-1", "declaration_version": "2026-12-1"}


def test_the_principal_typed_when_their_card_is_not_here(probe: dict) -> None:
    from ui.demo import PRINCIPAL_ID

    assert probe["idle"]["typed_principal"] == PRINCIPAL_ID and probe["idle"]["typed_name"] == "测新名"


def test_idle_wipe_leaves_no_agent_principal_or_address(probe: dict) -> None:
    idle = probe["idle"]
    assert idle["after"] == ["home", "home", False]
    assert idle["screens_with_personal_text"] == []
    assert idle["leaks"] == []


def test_every_touch_target_is_at_least_15_mm(probe: dict) -> None:
    small = {screen: mm for screen, mm in probe["targets_mm"].items() if mm < 15.0 - 0.1}
    assert not small, small
