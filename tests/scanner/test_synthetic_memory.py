"""The simulated camera writes its scenes to disk once per process and then plays them from there:
the flat documents they were made from do not stay in the kiosk's memory afterwards."""

from __future__ import annotations

from pathlib import Path

from terminal.scanner import synthetic


def test_a_written_set_keeps_no_documents_in_memory(tmp_path: Path) -> None:
    synthetic.write_set(tmp_path, "easy", 2, seed=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img_000.jpg", "img_001.jpg", "truth.json"]
    assert synthetic.render_document.cache_info().currsize == 0
