"""Links that carry a request's own parameters on to the next page.

Request arguments are never keyword arguments of ``url_for``: a query string holding
``endpoint``, ``_external`` or ``_anchor`` would be taken as url_for's own parameters,
and ``?endpoint=x`` answered 500. Parameters go into the query string only.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import url_for


def with_query(endpoint: str, params: Mapping[str, object], **values) -> str:
    """The address of ``endpoint`` (``values`` fill its path) with ``params`` as its query."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return url_for(endpoint, **values) + ("?" + query if query else "")
