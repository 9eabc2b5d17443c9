"""Walk every object reachable from a root (gc referents), to prove personal data is gone.

Modules, classes and functions' globals are not followed (they reach everything in the process);
closures and default arguments are. Objects in `stop` (shared read-only parts such as the catalog,
or the outbox that legitimately keeps the submitted case) are not entered.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from types import CellType, FunctionType, ModuleType


def _filled(cell: CellType) -> bool:
    """A closure cell holding something (a cell whose variable is not yet assigned raises on read)."""
    try:
        return cell.cell_contents is not None
    except ValueError:
        return False


def reachable(root: object, stop: Iterable[object] = ()) -> Iterator[object]:
    stop_ids = {id(s) for s in stop}
    seen: set[int] = set()
    pending = [root]
    while pending:
        obj = pending.pop()
        if id(obj) in seen or id(obj) in stop_ids or isinstance(obj, (type, ModuleType)):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, FunctionType):
            cells = [c.cell_contents for c in obj.__closure__ or () if _filled(c)]
            pending.extend([*cells, *(obj.__defaults__ or ()), *(obj.__kwdefaults__ or {}).values()])
        else:
            pending.extend(gc.get_referents(obj))


def leaks(root: object, secrets: Iterable[str | bytes], stop: Iterable[object] = ()) -> list[str]:
    """Descriptions of every reachable str/bytes that contains one of `secrets` (empty when clean)."""
    text = [s for s in secrets if isinstance(s, str) and s]
    data = [s for s in secrets if isinstance(s, bytes) and s]
    found = []
    for obj in reachable(root, stop):
        if isinstance(obj, str) and any(s in obj for s in text):
            found.append(f"str {obj[:8]}…")
        elif isinstance(obj, (bytes, bytearray)) and any(s in obj for s in data):
            found.append(f"{type(obj).__name__} of {len(obj)} bytes")
    return found
