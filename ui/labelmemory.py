"""Kivy's SDL2 label keeps the SDL surface it drew its text on for as long as the label lives.

`LabelSDL2._render_end` copies the surface's pixels into the texture's data and keeps
`self._surface`; with every screen built once, every label of every screen keeps one: some 23 MB
of surfaces nobody reads again (heaptrack after two applications, bench/soak.py). The next
render makes a new surface anyway, so the surface is let go as soon as its pixels are copied.
"""

from __future__ import annotations

from typing import Any


def release_label_surfaces() -> None:
    """Make the SDL2 core label free its surface after each render (once per process)."""
    from kivy.core.text import Label as CoreLabel

    if CoreLabel.__name__ != "LabelSDL2" or getattr(CoreLabel._render_end, "releases_surface", False):
        return  # another text provider (pil, pango) keeps no surface; or already done
    render_end = CoreLabel._render_end

    def _render_end(label: Any) -> Any:
        try:
            return render_end(label)
        finally:
            label._surface = None  # its pixels are in the returned image data now

    _render_end.releases_surface = True  # type: ignore[attr-defined]  # a marker on the function
    CoreLabel._render_end = _render_end
