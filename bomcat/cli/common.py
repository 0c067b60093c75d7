"""What every `bomcat` command shares: the one-line error, JSON-lines output, the group that maps the
packages' refusals to exit codes, and opening the catalog named by --db / --home."""
from __future__ import annotations

import json
import sys
from typing import Iterable

import click


class BomcatError(click.ClickException):
    """A clear one-line message on stderr and a non-zero exit."""

    def show(self, file=None) -> None:
        click.echo(f"bomcat: error: {self.message}", err=True)


def emit(obj: dict, as_json: bool, human: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str) if as_json else human)
    sys.stdout.flush()


class CatalogGroup(click.Group):
    """Refusals from the packages (`bomcat.errors.CatalogError` and its kinds) end as one
    `bomcat: error:` line and the exit code their class carries."""

    def invoke(self, ctx: click.Context):
        from bomcat.errors import CatalogError
        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            error = BomcatError(str(exc))
            error.exit_code = exc.exit_code
            raise error from exc
        except click.UsageError as exc:  # an unknown command or option: the same one-line form
            hint = f" (bomcat {exc.ctx.command_path.split(' ', 1)[-1] + ' ' if exc.ctx and ' ' in exc.ctx.command_path else ''}--help lists them)"
            error = BomcatError(exc.format_message() + hint)
            error.exit_code = exc.exit_code
            raise error from exc



def open_catalog_from(ctx: click.Context):
    from bomcat.pipeline import open_catalog
    try:
        return open_catalog(ctx.obj["db"], ctx.obj["home"])
    except Exception as exc:  # a bad URL or an unreachable server: say which
        raise BomcatError(f"cannot open the catalog: {exc}") from exc


def markings_from(args: tuple[str, ...]) -> Iterable[str]:
    if args:
        yield from args
        return
    if sys.stdin is None or sys.stdin.isatty():
        raise BomcatError("give markings as arguments or one per line on stdin")
    for line in sys.stdin:
        yield line.rstrip("\r\n")



def check_files(paths: tuple[str, ...]) -> None:
    if not paths:
        raise BomcatError("give at least one image file")



def parse_points(_ctx, _param, values: tuple[str, ...]) -> list[tuple[float, float]]:
    points = []
    for value in values:
        try:
            x, y = (float(v) for v in value.split(","))
        except ValueError:
            raise BomcatError(f"--at {value!r}: give a point as X,Y in the upright image's pixels") from None
        points.append((x, y))
    return points
