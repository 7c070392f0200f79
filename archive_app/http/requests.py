"""How a request's path numbers and JSON body are read, for every route.

Both close a way for one request to end in a 500 with a traceback: a row id in the path
past what the database can hold (SQLite and PostgreSQL refuse the number itself, so
``<int:hold_id>`` of 2**63 raised OverflowError instead of finding no row), and a JSON
body nested thousands deep (the decoder's RecursionError is not the ValueError Flask
treats as a bad body).
"""

from __future__ import annotations

from flask import Request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

ROW_ID_MAX = 2**63 - 1  # the largest id a 64-bit database integer holds


class RowId(IntegerConverter):
    """``<int:...>``: past ROW_ID_MAX no row can exist, so the route does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ROW_ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ArchiveRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """A body too deeply nested to decode is a bad body, like any other."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("The JSON body is nested too deeply.") from None


def init_app(app) -> None:
    """Before any route is added: a rule takes its converter when it is registered."""
    app.request_class = ArchiveRequest
    app.url_map.converters["int"] = RowId
