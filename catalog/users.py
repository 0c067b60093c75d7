"""People and their keys: users with hashed passwords and roles, and API tokens stored by hash."""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bomcat.errors import CatalogError
from .models import ApiToken, Role, User

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD = 10


class UserError(CatalogError, ValueError):
    """A user that cannot be made or changed as asked: says why."""


def create_user(session: Session, name: str, password: str, role: Role | str) -> User:
    if not NAME_RE.match(name or ""):
        raise UserError(f"user name {name!r}: 2-64 letters, digits, dot, dash or underscore")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"unknown role {role!r} (choose from {', '.join(r.value for r in Role)})") from None
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UserError(f"a user named {name!r} exists already", status=409)
    user = User(name=name, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


_UNKNOWN_USER_HASH = generate_password_hash("no such user: the same work as checking a real password")


def authenticate(session: Session, name: str, password: str) -> Optional[User]:
    """The user whose name and password these are, or None. An unknown name costs the same hash check
    as a known one, so the answer's timing does not tell which names exist."""
    user = session.scalar(select(User).where(User.name == name))
    matches = check_password_hash(user.password_hash if user is not None else _UNKNOWN_USER_HASH, password or "")
    if user is None or not user.active or not matches:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, label: Optional[str] = None) -> str:
    """A new API token for the user; only its hash is kept, so this is the one time it is seen."""
    token = "bomcat_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_sha256=_token_hash(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> Optional[User]:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_hash(token)))
    return row.user if row is not None and row.user.active else None
