"""Login, API tokens, CSRF and per-route permissions.

Every view declares the permission it needs with ``@requires(...)`` (or ``@public``);
a test walks the URL map and fails if any route declares neither.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from archive_app import accounts
from archive_app.domain.entities import User
from archive_app.domain.roles import Permission, can

csrf = CSRFProtect()
login_manager = LoginManager()


class LoginUser(UserMixin):
    """Flask-Login's view of a user entity."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)

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


def init_security(app) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk untuk membuka halaman ini."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = services().metadata.users.get(int(user_id))
        return LoginUser(user) if user and user.active else None

    @login_manager.request_loader
    def load_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user = accounts.user_for_token(services(), header[len("Bearer ") :].strip())
        if user is None:
            return None
        g.token_auth = True
        return LoginUser(user)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return jsonify(error="Authentication required."), 401
        return redirect(url_for("auth.login", next=request.full_path))

    @app.before_request
    def check_csrf():
        """Forms and cookie-authenticated API calls need the CSRF token; bearer calls do not
        (browsers never add that header on their own), and anonymous API calls get a 401."""
        if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if wants_json() and not current_user.is_authenticated:
            return
        csrf.protect()

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        if wants_json():
            return jsonify(error=f"CSRF check failed: {exc.description}"), 400
        return exc.description, 400


def requires(permission: Permission):
    """Log-in required, and the user's role must grant ``permission`` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                if wants_json():
                    return jsonify(error="Your role does not allow this."), 403
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator


def public(view):
    """Marks a view that needs no login (the login page, health checks, static files)."""
    view.required_permission = None
    return view
