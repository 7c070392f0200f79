"""What this test process holds open, read from /proc: a closed connection lets go of its file."""

from __future__ import annotations

import os
from pathlib import Path


def open_files(path: Path) -> int:
    """How many of this process's file descriptors have ``path`` open."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in os.listdir(fds) if os.path.realpath(fds / fd) == str(path))
