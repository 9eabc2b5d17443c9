"""Synthetic scenes shared by the scanner tests (generated once per session, seeded)."""

from __future__ import annotations

import pytest

from terminal.scanner import synthetic

SAMPLE = 12


@pytest.fixture(scope="session")
def easy_scenes() -> list[synthetic.Scene]:
    return list(synthetic.make_set("easy", SAMPLE, seed=11))


@pytest.fixture(scope="session")
def hard_scenes() -> list[synthetic.Scene]:
    return list(synthetic.make_set("hard", SAMPLE, seed=11))
