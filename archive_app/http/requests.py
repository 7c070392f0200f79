"""How a request's path numbers, JSON body and text are read, for every route.

Each closes a way for one request to end in a 500 with a traceback: a row id in the path
past what the database can hold (SQLite and PostgreSQL refuse the number itself, so
``<int:hold_id>`` of 2**63 raised OverflowError instead of finding no row), a JSON body
nested thousands deep (the decoder's RecursionError is not the ValueError Flask treats as
a bad body), and a NUL character anywhere in the request's text (PostgreSQL text holds
none, so a file named ``a%00.pdf`` or a search for ``%00`` failed there, and only there).
"""

from __future__ import annotations

from flask import Request, current_app, request
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from archive_app.domain.languages import N_

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


NUL = "\x00"
NUL_REFUSED = N_("Permintaan memuat karakter NUL (\\0), yang tidak dapat disimpan.")


def refuse_nul() -> None:
    """Before a route reads the request (after the login and CSRF gate, which decides how
    much a body may be): the path, the query, form fields, file names and JSON strings may
    not hold a NUL. A file's bytes are not text and are not looked at. A body is read only
    for a caller the route will serve: one whose role it refuses gets its 403 unread."""
    texts = [request.path, *_pairs(request.args)]
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and _served():
        texts += _pairs(request.form)
        texts += [name or "" for _, files in request.files.lists() for f in files
                  for name in (f.name, f.filename)]  # fmt: skip
        if request.is_json:
            texts += _strings(request.get_json(silent=True))
    if any(NUL in text for text in texts):
        raise BadRequest(gettext(NUL_REFUSED))


def _served() -> bool:
    """Does the route serve this caller (its role, when it asks one)? Unknown paths have no
    view and no body worth reading."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return False
    permission = getattr(view, "required_permission", None)
    return permission is None or (current_user.is_authenticated and current_user.can(permission))


def _pairs(multi) -> list[str]:
    return [text for key, values in multi.lists() for text in (key, *values)]


def _strings(body) -> list[str]:
    """Every key and string in a decoded JSON body, without recursion (its depth is the
    client's)."""
    found, stack = [], [body]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found += [k for k in item if isinstance(k, str)]
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return found


def init_checks(app) -> None:
    """After the login gate: it alone may answer a request before its body is read."""
    app.before_request(refuse_nul)
