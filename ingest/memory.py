"""Hand the C heap's free pages back to the kernel (glibc's ``malloc_trim``).

glibc's malloc keeps what a thread frees inside its heap, for that thread's next
allocations, and gives back only a free stretch at the very top of the heap. The thread that
assembles a document frees a lot of it on every page (the decoded frame, 35 MB for an A4 colour
page, its gray copy and PNG encoding, the page PDF parts) and leaves holes that stay resident.
They were still resident when it next waited for a page while two Tesseract runs, ~95 MB each,
worked beside it: that moment is the worker's peak (docs/benchmarks.md, the 2 GB upload).
``malloc_trim(0)`` releases the free pages of every arena, holes included; called by the
assembling thread before it waits for a page while others are read (pipeline._finish_next),
it took a 20-page colour TIFF's peak from ~520 to ~465 MB in one process, for ~0.03 s of CPU a
page (the released pages are faulted in again when next used), which is why it is called only
there. Capping the arenas (MALLOC_ARENA_MAX=2) or a fixed mmap
threshold were measured too: the first gained ~10 MB, the second ~40 MB for 20-30 % more time.

Where the C library is not glibc, there is nothing to call and this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this interpreter runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Give the pages malloc holds free back to the kernel, in every arena."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
