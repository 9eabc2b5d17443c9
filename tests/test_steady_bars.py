"""Scrolling views keep one binding for their bar colour however often they scroll (ui.widgets.SteadyBars):
Kivy's own ScrollView adds one per scroll update that its half-second fade takes away only once, so a
kiosk that turns pages and resets lists for every citizen gathered them for months."""

from __future__ import annotations

import pytest
from kivy.uix.scrollview import ScrollView  # (Kivy's settings: tests/conftest.py)
from kivy.uix.widget import Widget

from ui.widgets import PageView


def bindings_after_scrolling(view: ScrollView, updates: int) -> tuple[int, int]:
    """Page turns and resets to the top, each burst of updates followed by the fade the clock would run."""
    view.add_widget(Widget(size_hint_y=None, height=2000))
    view.size = (100, 100)
    for turn in range(updates):
        view.scroll_y = turn % 2
        view.update_from_scroll()
        if turn % 5 == 4:
            view._bind_inactive_bar_color()  # (what the half-second trigger calls)
    return len(view.get_property_observers("bar_color")), len(view.get_property_observers("bar_inactive_color"))


@pytest.mark.parametrize("updates", [1, 10, 200])
def test_a_page_view_keeps_one_bar_colour_binding(updates: int) -> None:
    assert sum(bindings_after_scrolling(PageView(do_scroll_x=False), updates)) == 1


def test_kivys_own_scroll_view_gathers_them() -> None:  # (what the fix is for: fails once Kivy fixes it)
    assert sum(bindings_after_scrolling(ScrollView(do_scroll_x=False), 200)) > 100
