"""The kiosk gives back what an application used: twelve applications in one process (a child,
offscreen, tests/leak_probe.py) leave as many live Python objects and as much resident memory
after the twelfth as after the fourth. The first applications warm caches (fonts, textures,
imports); from the fourth on, anything that still grows is a leak a 24-hour kiosk dies of.
"""

from __future__ import annotations

import pytest

from tests.kivy_probe import run_probe

pytestmark = pytest.mark.timeout(660)  # twelve whole applications; the probe itself gives up after 600 s


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    report = run_probe("tests.leak_probe", tmp_path_factory.mktemp("leak"), timeout=600)
    return {row["n"]: row for row in report["rows"]}


def test_live_objects_after_twelve_applications_are_those_after_four(rows: dict[int, dict]) -> None:
    fourth, twelfth = rows[4]["objects"], rows[12]["objects"]
    assert abs(twelfth - fourth) <= 0.01 * fourth, (
        f"{twelfth - fourth:+d} live objects from application 4 to 12: "
        f"{[rows[n]['objects'] for n in sorted(rows)]}")


def test_resident_memory_after_twelve_applications_is_that_after_four(rows: dict[int, dict]) -> None:
    """Growth is the leak; resident memory a few MB lower after the twelfth (heap pages given back at
    rest, a texture freed) is the kiosk giving memory back, and single readings move by that much."""
    fourth, twelfth = rows[4]["rss_mb"], rows[12]["rss_mb"]
    assert twelfth - fourth <= 5.0, (
        f"{twelfth - fourth:+.1f} MB resident from application 4 to 12: {[rows[n]['rss_mb'] for n in sorted(rows)]}")
