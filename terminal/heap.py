"""Give the C heap's free pages back to the kernel when a citizen has gone.

glibc keeps freed memory in the process (a freed block in the middle of the heap cannot be
returned by shrinking it): after one application the kiosk held tens of MB of free heap that only
`malloc_trim` hands back (issue 12, measured with bench/soak.py). Called at rest, after the full
collection that follows a session and after the frame in which Kivy deletes the GL textures and
buffers of what it freed, when nobody waits for the screen.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None on a C library without it (musl)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        log.info("event=heap_trim_unavailable")
        return None


def release_free_memory() -> None:
    """Return the heap's free pages to the kernel (a few ms; not on a screen change)."""
    trim = _trim()
    if trim is not None:
        trim(0)


def collect_garbage(passes: int = 3) -> int:
    """Collect until a pass frees nothing (a screen's Kivy widgets come apart in two passes: after
    one, some 15,000 of their objects were still waiting). The objects freed."""
    freed = 0
    for _ in range(passes):
        now = gc.collect()
        freed += now
        if not now:
            break
    return freed
