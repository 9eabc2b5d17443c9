"""Free heap memory goes back to the kernel at rest (the kiosk held tens of MB of it per process)."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.soak import REPO

PROBE = """
import json
from pathlib import Path
from terminal.heap import release_free_memory

def resident_mb():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

blocks = [bytes(4000) for _ in range(25_000)]  # 100 MB in small blocks from the heap, not mmap
last = blocks[-1]  # still in use at the top of the heap: the heap cannot simply shrink
del blocks
held = resident_mb()
release_free_memory()
print(json.dumps({"held": held, "after": resident_mb()}))
"""


def test_free_heap_pages_are_returned_even_below_a_block_in_use() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["held"] - figures["after"] > 80, figures



LONG_LIVED: list[object] = []  # like the Window or Clock that a widget binds to


class _Widget:
    """In a reference cycle; it registers `child` with something long-lived and lets go when finalised."""

    def __init__(self, child: object = None) -> None:
        self.me = self
        self.child = child
        if child is not None:
            LONG_LIVED.append(child)

    def __del__(self) -> None:
        if self.child is not None:
            LONG_LIVED.remove(self.child)  # unbinding on its way out: only now is the child garbage


def test_garbage_freed_only_by_a_second_pass_is_freed_at_rest() -> None:
    import gc
    import weakref

    from terminal.heap import collect_garbage

    gc.collect()
    child = _Widget()
    alive = weakref.ref(child)
    _Widget(child)
    del child
    assert collect_garbage() > 0
    assert alive() is None, "a cycle let go by a finaliser survived the collection at rest"
