"""User management for admins: add people, change their role, disable them, reset a password, issue
and revoke API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional as Blank, ValidationError

from bomcat.catalog.models import ApiToken, Role, User
from bomcat.catalog.users import MIN_PASSWORD, NAME_RE, UserError, create_token, create_user

from .auth import requires
from .views import catalog, get_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_CHOICES = [r.value for r in Role]


class AddUserForm(FlaskForm):
    name = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD)])
    role = SelectField("Role", choices=ROLE_CHOICES)

    def validate_name(self, field) -> None:
        if not NAME_RE.match(field.data or ""):
            raise ValidationError("2-64 letters, digits, dot, dash or underscore")
        with catalog().session() as session:
            if session.scalar(select(User.id).where(User.name == field.data)) is not None:
                raise ValidationError(f"{field.data} exists already")


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")
    new_password = PasswordField("New password", validators=[Blank(), Length(min=MIN_PASSWORD)])


def _users() -> list[dict]:
    with catalog().session() as session:
        return [{"id": u.id, "name": u.name, "role": u.role.value, "active": u.active,
                 "tokens": [{"id": t.id, "label": t.label or "", "created_at": t.created_at.strftime("%Y-%m-%d %H:%M")}
                            for t in sorted(u.tokens, key=lambda t: t.id)],
                 "created_at": u.created_at.strftime("%Y-%m-%d")}
                for u in session.scalars(select(User).order_by(User.name))]


@bp.route("/users", methods=["GET", "POST"])
@requires(Role.admin)
def user_list():
    form = AddUserForm(prefix="add")
    if form.validate_on_submit():
        try:
            with catalog().session() as session:
                create_user(session, form.name.data, form.password.data, form.role.data)
        except UserError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Added {form.name.data} as {form.role.data}.")
            return redirect(url_for("admin.user_list"))
    return render_template("users.html", form=form, users=_users(), edit=EditUserForm)


TOKEN_LABEL_MAX = 120


@bp.post("/users/<int:user_id>/tokens")
@requires(Role.admin)
def issue_token(user_id: int):
    """A new API token for the user, shown on this one page and never again (only its hash is kept;
    it is not put in a flash message, which would carry it in the session cookie)."""
    label = (request.form.get("label") or "").strip()
    if len(label) > TOKEN_LABEL_MAX or any(ord(c) < 32 for c in label):
        abort(400, f"a token's label is one line of at most {TOKEN_LABEL_MAX} characters")
    with catalog().session() as session:
        user = get_or_404(session, User, user_id, "user")
        token = create_token(session, user, label or None)
        owner = user.name
    return render_template("users.html", form=AddUserForm(prefix="add", formdata=None), users=_users(),
                           edit=EditUserForm, new_token={"user": owner, "token": token, "label": label})


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Role.admin)
def revoke_token(token_id: int):
    with catalog().session() as session:
        token = get_or_404(session, ApiToken, token_id, "API token")
        owner, label = token.user.name, token.label
        session.delete(token)
    flash(f"Revoked {owner}'s token{' ' + repr(label) if label else ''}: scripts using it are refused from now on.")
    return redirect(url_for("admin.user_list"))


@bp.post("/users/<int:user_id>")
@requires(Role.admin)
def edit_user(user_id: int):
    form = EditUserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        flash("Not changed: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
        return redirect(url_for("admin.user_list"))
    with catalog().session() as session:
        user = get_or_404(session, User, user_id, "user")
        if user.id == current_user.id and (form.role.data != Role.admin.value or not form.active.data):
            abort(409, "you cannot take away your own admin role or disable yourself")
        changes = []
        if user.role.value != form.role.data:
            changes.append(f"role {user.role.value} → {form.role.data}")
            user.role = Role(form.role.data)
        if user.active != form.active.data:
            changes.append("enabled" if form.active.data else "disabled")
            user.active = form.active.data
        if form.new_password.data:
            user.password_hash = generate_password_hash(form.new_password.data)
            changes.append("new password")
        name = user.name
    flash(f"{name}: {', '.join(changes)}." if changes else f"{name}: nothing to change.")
    return redirect(url_for("admin.user_list"))
