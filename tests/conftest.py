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

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo() -> Path:
    return REPO
