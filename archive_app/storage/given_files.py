"""Files a person names at the command line (a manifest, a TPS master list, published
figures): read whole, but only if they are files and within a bound.

A wrong path must not hang or flood the command: a FIFO blocked it for good, and
/dev/zero behind a symlink grew one to 24 GB before the kernel killed it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# The largest such file is a province's TPS list, some tens of MB.
MAX_GIVEN_BYTES = 64 * 1024 * 1024


def read_given(path: str | Path) -> bytes:
    """The file's bytes; OSError for a FIFO, device or folder, and for one over
    MAX_GIVEN_BYTES."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer that never comes.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file: a FIFO, a device or a folder")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_GIVEN_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_GIVEN_BYTES:
        raise OSError(errno.EFBIG, f"over {MAX_GIVEN_BYTES // 2**20} MB")
    return data
