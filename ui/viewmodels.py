"""What each screen built once shows, as Kivy properties: the session's events set them, the
screen's widgets follow them through bindings inside the screen, and `reset` empties them when
the session is wiped (the idle-wipe test walks the app and finds nothing personal left).

No widgets here and no window: these import only Kivy's event and property modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, OptionProperty, StringProperty

from terminal.catalog import Catalog, Item
from terminal.session import Journey, Session

Row = tuple[str, str, Callable[[], None]]  # (title, second line, action) of a list row


def item_rows(items: list[Item], choose: Callable[[Item], None]) -> list[Row]:
    def detail(item: Item) -> str:
        return f"{item.item_type} · {item.department}" + (" · 有办事指南" if item.guide else "")

    return [(item.title, detail(item), lambda item=item: choose(item)) for item in items]


class ViewModel(EventDispatcher):
    def refresh(self, session: Session) -> None:
        """Take what the screen shows from the session."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the last person's view (the idle wipe, leaving the screen)."""
        raise NotImplementedError


class HomeModel(ViewModel):
    elderly = BooleanProperty(False)
    clock = StringProperty("")
    closed = StringProperty("")  # why no new application can be taken now ("" when it can)

    def refresh(self, session: Session) -> None:
        self.elderly = session.elderly
        self.closed = session.intake_refusal
        self.tick()

    def tick(self) -> None:
        self.clock = time.strftime("%H:%M")

    def reset(self) -> None:
        self.elderly = False


class BrowseModel(ViewModel):
    """The catalog by department or by theme: the groups, the group shown and its items."""

    title = StringProperty("")
    by = OptionProperty("department", options=["department", "theme"])
    group = StringProperty("")
    groups = ListProperty()
    items = ListProperty()

    def refresh(self, session: Session) -> None:
        self.title = "我要办事 · 选择事项" if session.journey == Journey.APPLY else "办事指南"
        catalog: Catalog = session.catalog
        groups = list(catalog.departments() if self.by == "department" else catalog.themes())
        if self.group not in groups:
            self.group = groups[0] if groups else ""
        self.groups = groups
        found = catalog.by_department(self.group) if self.by == "department" else catalog.by_theme(self.group)
        self.items = item_rows(list(found), session.choose_item)

    def reset(self) -> None:
        self.by, self.group, self.items = "department", "", []


class SearchModel(ViewModel):
    typed = StringProperty("")
    rows = ListProperty()
    found = ObjectProperty(0)

    MAX_ROWS = 20  # more than this is a sign to type another letter

    def refresh(self, session: Session) -> None:
        results = list(session.search_results)
        self.found = len(results)
        self.rows = item_rows(results[: self.MAX_ROWS], session.choose_item)
        self.typed = session.search_text

    def reset(self) -> None:
        self.typed, self.rows, self.found = "", [], 0


class GuideModel(ViewModel):
    """办事指南 of the item chosen: None when no item is chosen (after a wipe)."""

    item = ObjectProperty(None, allownone=True)
    closed = StringProperty("")  # why 开始办理 cannot be offered now ("" when it can)

    def refresh(self, session: Session) -> None:
        self.closed = session.intake_refusal
        self.item = session.item

    def reset(self) -> None:
        self.item = None
        self.closed = ""
