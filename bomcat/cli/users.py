"""`bomcat users`: accounts and API tokens."""
from __future__ import annotations

import click

from .common import BomcatError, open_catalog_from


@click.group()
def users() -> None:
    """People who sign in, and API tokens for scripts."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["investigator", "reviewer", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="BOMCAT_NEW_PASSWORD", help="Asked for when not given (or BOMCAT_NEW_PASSWORD).")
@click.pass_context
def users_add(ctx, name: str, role: str, password: str) -> None:
    """Add a user NAME with a ROLE."""
    from bomcat.catalog.users import UserError, create_user
    catalog = open_catalog_from(ctx)
    try:
        with catalog.session() as session:
            create_user(session, name, password, role)
    except UserError as exc:
        raise BomcatError(str(exc)) from exc
    click.echo(f"user {name} added ({role})")


@users.command("token")
@click.argument("name")
@click.option("--label", default=None, help="What the token is for.")
@click.pass_context
def users_token(ctx, name: str, label: str | None) -> None:
    """Print a new API token for NAME (shown once; use it as 'Authorization: Bearer TOKEN')."""
    from sqlalchemy import select
    from bomcat.catalog.models import User
    from bomcat.catalog.users import create_token
    catalog = open_catalog_from(ctx)
    with catalog.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise BomcatError(f"unknown user {name!r}")
        click.echo(create_token(session, user, label))

