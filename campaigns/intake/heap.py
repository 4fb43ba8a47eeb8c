"""Free C-heap pages given back to the system between an import's batches (glibc's `malloc_trim`).

A batch's transient objects bigger than pymalloc's 512-byte blocks (dict tables, lists, the SQL parameters and
result buffers) come from the C allocator. glibc keeps what they free inside its heaps for reuse, and a heap only
shrinks from its top: over hundreds of batches the freed holes add up to a slowly rising RSS although the live
objects stay level (bench/import_memory.py, docs/benchmarks.md "A million-row CSV"). `malloc_trim(0)` gives every
free page of every heap back (madvise), at up to tens of milliseconds of CPU a call (against ~0.5 s for
a 500-row batch). Elsewhere than glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the symbols already loaded in the process: glibc's when linked to it
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _glibc_malloc_trim()


def release_free_heap() -> bool:
    """Hands the C heap's free pages back to the system; False where there is no `malloc_trim` to call."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True
