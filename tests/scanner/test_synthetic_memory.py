"""The simulated camera writes its scenes to disk once per process and then plays them from there:
the flat documents they were made from do not stay in the kiosk's memory afterwards."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np

from terminal.scanner import synthetic


def test_a_written_set_keeps_no_documents_in_memory(tmp_path: Path) -> None:
    synthetic.write_set(tmp_path, "easy", 2, seed=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img_000.jpg", "img_001.jpg", "truth.json"]
    assert synthetic.render_document.cache_info().currsize == 0


def test_a_scene_is_made_with_few_frame_sized_arrays_at_once() -> None:
    """The simulated camera makes its scenes inside the kiosk: a 1280x960 float frame is 14 MB,
    and the kiosk's peak memory counts every one alive at the same time (81 MB before, in place now)."""
    synthetic.render_document("letter")  # the flat page is cached: only the scene itself is measured
    tracemalloc.start()
    try:
        synthetic.make_scene(np.random.default_rng([7, 0, 0]), "easy", (1280, 960), kind="letter")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1280 * 960 * 3 * 4, f"{peak / 2**20:.0f} MB at the peak"
