"""Stored files served with HTTP Range (RFC 9110 §14): a PDF viewer opens a large scan at
once by asking for the pages it shows, and a broken download resumes where it stopped.

Only the asked bytes are read from the object store (``ObjectStore.open_range``); the whole
file is never held in memory. One range per request: a multi-range ask gets the whole file,
which RFC 9110 allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from flask import Response, request
from werkzeug.datastructures import ContentRange

from archive_app.domain.entities import StoredFile
from archive_app.storage.interfaces import CHUNK


def send_stored(objects, file: StoredFile, *, download_name: str, as_attachment: bool) -> Response:
    """200 with the whole file, 206 with the asked range, 416 when the range lies outside it."""
    size = objects.stat(file.key).size
    etag = file.sha256 or None
    asked = request.range
    validator = request.if_range
    if asked is not None and (validator.date is not None or validator.etag not in (None, etag)):
        # If-Range: the client holds another version, or names it by a date, which cannot
        # match as no Last-Modified is sent (RFC 9110 §13.1.5): send it whole
        asked = None
    window = asked.range_for_length(size) if asked is not None and size else None
    if asked is not None and window is None and len(asked.ranges) == 1:
        response = Response(status=416)
        response.content_range = ContentRange("bytes", None, None, size)
        return response
    if window is None:
        stream, status, length = objects.open(file.key), 200, size
    else:
        length = window[1] - window[0]
        stream, status = objects.open_range(file.key, window[0], length), 206
    response = Response(
        _chunks(stream), status=status, mimetype=file.content_type, direct_passthrough=True
    )
    response.content_length = length
    response.accept_ranges = "bytes"
    if window is not None:
        response.content_range = ContentRange("bytes", window[0], window[1], size)
    if etag:
        response.set_etag(etag)
    response.headers.set(
        "Content-Disposition", "attachment" if as_attachment else "inline", filename=download_name
    )
    return response


def starts_a_read() -> bool:
    """True unless the request continues a read already begun (a range not from byte 0)."""
    asked = request.range
    return asked is None or not asked.ranges or asked.ranges[0][0] == 0


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while data := stream.read(CHUNK):
            yield data
    finally:
        stream.close()
