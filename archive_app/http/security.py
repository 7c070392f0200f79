"""Login, API tokens, CSRF and per-route permissions.

Every view declares the permission it needs with ``@requires(...)`` (or ``@public``);
a test walks the URL map and fails if any route declares neither.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from archive_app import accounts
from archive_app.domain.entities import User
from archive_app.domain.languages import N_
from archive_app.domain.roles import Permission, can
from archive_app.http.problems import problem
from vocabulary.numbers import whole_number

ANONYMOUS_BODY = 64 * 1024  # bytes a request may send before it is logged in
csrf = CSRFProtect()
login_manager = LoginManager()


class LoginUser(UserMixin):
    """Flask-Login's view of a user entity."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)

    def get_id(self) -> str:
        """What the session cookie keeps: the user and the session epoch it was issued in,
        so logging out, a new password, a new role or disabling the user ends it."""
        return f"{self.user.id}:{self.user.session_epoch}"

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role(self):
        return self.user.role

    @property
    def is_active(self) -> bool:
        return self.user.active

    def can(self, permission: Permission) -> bool:
        return can(self.user.role, permission)


def services():
    return current_app.extensions["archive"]


def client_ip() -> str:
    return request.remote_addr or ""


def actor() -> str:
    return current_user.username if current_user.is_authenticated else "anonymous"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Silakan masuk untuk membuka halaman ini.")
    login_manager.localize_callback = _  # translated when flashed, in the asker's language
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The session cookie's user, unless a token was sent (then only the token counts)
        or the cookie is from an older session epoch."""
        if _bearer_token() is not None:
            return None
        user_id, _, epoch = str(session_id).partition(":")
        if whole_number(user_id) is None or whole_number(epoch) is None:
            return None
        user = services().metadata.users.get(int(user_id))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        return LoginUser(user)

    @login_manager.request_loader
    def load_from_token(req):
        token = _bearer_token()
        if token is None:
            return None
        user = accounts.user_for_token(services(), token)
        if user is None:
            return None
        g.token_auth = True
        return LoginUser(user)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return problem(401, "unauthenticated", _("Perlu masuk (login) dahulu."))
        return redirect(url_for("auth.login", next=request.full_path))

    @app.before_request
    def gate():
        """Before any body is read: a role-checked route asked by nobody logged in is
        answered at once (401, or the login page); a public one may receive at most a
        login form's worth (413 past it). Then the CSRF check: forms and cookie-
        authenticated API calls need the token; a call really authenticated by its bearer
        token does not (browsers never add that header on their own). A Bearer header
        alone proves nothing, and with one the session cookie is ignored."""
        authenticated = current_user.is_authenticated  # loads the user: token or cookie
        view = current_app.view_functions.get(request.endpoint or "")
        if not authenticated and getattr(view, "access", None) == "role":
            return login_manager.unauthorized()
        writes = request.method in {"POST", "PUT", "PATCH", "DELETE"}
        if not writes:
            return None
        if not authenticated:
            request.max_content_length = ANONYMOUS_BODY
            request.max_form_memory_size = ANONYMOUS_BODY
        if not g.get("token_auth") and (authenticated or not wants_json()):
            csrf.protect()
        return None

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        if wants_json():
            return problem(
                400, "csrf_failed", _("Pemeriksaan CSRF gagal: %(why)s", why=exc.description)
            )
        return exc.description, 400


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    return header[7:].strip()[:200]


def requires(permission: Permission):
    """Log-in required, and the user's role must grant ``permission`` (else 403)."""

    def decorator(view):
        _mark(view, "role")

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                if wants_json():
                    return problem(
                        403, "forbidden", _("Peran Anda tidak mengizinkan tindakan ini.")
                    )
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        wrapper.access = "role"
        return wrapper

    return decorator


def public(view):
    """Marks a view that needs no login (the login page, health checks, static files)."""
    _mark(view, "public")
    view.required_permission = None
    view.access = "public"
    return view


def _mark(view, access: str) -> None:
    """A view is public or role-checked, never both: stacking the two decorators would
    leave whichever ran last in force without a word."""
    if getattr(view, "access", access) != access:
        raise TypeError(f"{view.__name__} is marked both {view.access} and {access}")
