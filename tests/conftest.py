"""Shared fixtures. Kivy keeps its settings in a temporary KIVY_HOME and renders offscreen."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Before anything imports Kivy: no user config, no console noise, no window unless a test makes one.
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis judges its examples by wall time by default; on a loaded CI machine (or this one, shared
# by parallel test runs) generation and slow examples trip those timing checks though nothing is wrong.
# What the property tests check is correctness, so timing never fails them.
settings.register_profile("any-load", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("any-load")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo() -> Path:
    return REPO
