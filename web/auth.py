"""Signing in: Flask-Login sessions for people, bearer tokens for scripts."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import wraps
from typing import Callable, Optional
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from bomcat.catalog.models import Role, User
from bomcat.catalog.users import authenticate, user_for_token

from .views import catalog

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Failed sign-ins are limited per address and per account name (Flask-Limiter; memory by default, any
# storage it supports through BOMCAT_RATELIMIT_STORAGE, e.g. the Redis the job queue uses).
limiter = Limiter(key_func=lambda: _keyed("address:" + get_remote_address()), default_limits=[])
FAILED_PER_ADDRESS = "20 per 10 minutes"
FAILED_PER_ACCOUNT = "10 per 10 minutes"


def _failed(response) -> bool:
    return response.status_code != 302  # a sign-in that did not redirect did not sign anyone in


def _keyed(key: str) -> str:
    """Counts are per app (a process may hold several, as the tests do), then per address or account."""
    from flask import current_app
    return f"{current_app.import_name}:{id(current_app)}:{key}"


def _account() -> str:
    return _keyed("account:" + (request.form.get("name") or "").strip().casefold())
login_manager.login_view = "auth.login"


@dataclass(frozen=True)
class SignedIn:
    """What a request knows of its user, detached from the database session."""
    id: int
    name: str
    role: Role
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)

    def can(self, *roles: Role) -> bool:
        return self.role is Role.admin or self.role in roles


def _signed_in(user: Optional[User]) -> Optional[SignedIn]:
    return SignedIn(user.id, user.name, user.role) if user is not None and user.active else None


@login_manager.user_loader
def load_user(user_id: str) -> Optional[SignedIn]:
    with catalog().session() as session:
        return _signed_in(session.get(User, int(user_id)))


@login_manager.request_loader
def load_token_user(req) -> Optional[SignedIn]:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    with catalog().session() as session:
        return _signed_in(user_for_token(session, header.removeprefix("Bearer ").strip()))


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        abort(401, "sign in or send 'Authorization: Bearer <token>'")
    return redirect(url_for("auth.login", next=request.path))


def requires(*roles: Role) -> Callable:
    """The view needs a signed-in user with one of these roles (admins pass everything)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(*roles):
                abort(403, f"this needs the {' or '.join(r.value for r in roles)} role")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def local_target(target: Optional[str]) -> Optional[str]:
    """`target` when it is a path on this site, else None. Browsers drop tabs and newlines from a URL and
    read a backslash as a slash, so a slash, a tab and '/evil.example' would leave the site: any control
    character, whitespace or backslash disqualifies a target, as does a scheme or a host."""
    if not target or any(ch.isspace() or ch == "\\" or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class LoginForm(FlaskForm):
    name = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(FAILED_PER_ADDRESS, methods=["POST"], deduct_when=_failed,
               error_message="too many failed sign-ins from this address: wait ten minutes and try again")
@limiter.limit(FAILED_PER_ACCOUNT, methods=["POST"], key_func=_account, deduct_when=_failed,
               error_message="too many failed sign-ins for this account: wait ten minutes and try again")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with catalog().session() as session:
            user = _signed_in(authenticate(session, form.name.data, form.password.data))
        if user is not None:
            login_user(user)
            return redirect(local_target(request.args.get("next")) or url_for("devices.device_list"))
        flash("Wrong user name or password.")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("devices.device_list"))
