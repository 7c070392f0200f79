"""Walking long streams a bounded piece at a time (a hold on a search names 100,000
records; no layer should hold them all at once)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """``items`` in lists of at most ``size`` (``itertools.batched`` arrives with 3.12)."""
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
