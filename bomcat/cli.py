"""The `bomcat` command line.

Heavy modules (OpenCV, SQLAlchemy, Flask) are imported inside the commands
that need them, so `bomcat resolve` starts fast. With ``--json`` every command
writes one JSON object per line, flushed as it goes.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterable, Optional

import click


class BomcatError(click.ClickException):
    """A clear one-line message on stderr and a non-zero exit."""

    def show(self, file=None) -> None:
        click.echo(f"bomcat: error: {self.message}", err=True)


def emit(obj: dict, as_json: bool, human: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str) if as_json else human)
    sys.stdout.flush()


class CatalogGroup(click.Group):
    """Refusals from the packages (`bomcat.catalog.errors.CatalogError` and its kinds) end as one
    `bomcat: error:` line and the exit code their class carries."""

    def invoke(self, ctx: click.Context):
        from bomcat.catalog.errors import CatalogError
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


@click.group(cls=CatalogGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120, "terminal_width": 120})
@click.option("--db", "db_url", envvar="BOMCAT_DATABASE_URL", metavar="URL",
              help="SQLAlchemy URL of the catalog (default: SQLite in BOMCAT_HOME).")
@click.option("--home", envvar="BOMCAT_HOME", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for the embedded catalog and photo store (default ~/.local/share/bomcat).")
@click.version_option(package_name="bomcat")
@click.pass_context
def main(ctx: click.Context, db_url: Optional[str], home: Optional[str]) -> None:
    """bomcat: teardown bill-of-materials catalog with photo evidence."""
    ctx.obj = {"db": db_url, "home": home}


def open_catalog_from(ctx: click.Context):
    from bomcat.catalog.db import open_catalog
    try:
        return open_catalog(ctx.obj["db"], ctx.obj["home"])
    except Exception as exc:  # a bad URL or an unreachable server: say which
        raise BomcatError(f"cannot open the catalog: {exc}") from exc


def _markings(args: tuple[str, ...]) -> Iterable[str]:
    if args:
        yield from args
        return
    if sys.stdin is None or sys.stdin.isatty():
        raise BomcatError("give markings as arguments or one per line on stdin")
    for line in sys.stdin:
        yield line.rstrip("\r\n")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per marking.")
@click.argument("markings", nargs=-1)
def resolve(as_json: bool, markings: tuple[str, ...]) -> None:
    """Resolve chip MARKINGS (printed lines joined by ' | ') to part number and manufacturer."""
    from bomcat.catalog.resolver import default_resolver
    resolver = default_resolver()
    for marking in _markings(markings):
        result = resolver.resolve(marking)
        human = (f"{marking}\t{result.manufacturer or '?'}\t{result.part_number or '?'}"
                 f"\t{result.confidence:.2f}\t{result.explanation}")
        emit(result.as_dict(), as_json, human)


def _check_files(paths: tuple[str, ...]) -> None:
    if not paths:
        raise BomcatError("give at least one image file")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image.")
@click.option("--engine", "engines", multiple=True, default=None,
              help="OCR engine (tesseract, rapidocr); repeat to combine. Default: the benchmark's best.")
@click.option("--debug", "debug_dir", type=click.Path(file_okay=False), default=None,
              help="Write every preprocessing stage's image to this folder.")
@click.argument("images", nargs=-1)
def ocr(as_json: bool, engines: tuple[str, ...], debug_dir: Optional[str], images: tuple[str, ...]) -> None:
    """Read the marking on chip crop IMAGES (any orientation) and resolve it."""
    from bomcat.images.photo import BadPhoto, load_upright_bgr
    from bomcat.ocr.engines import DEFAULT_ENGINE, EngineUnavailable
    from bomcat.ocr.read import read_chip
    _check_files(images)
    failed = False
    for path in images:
        try:
            image = load_upright_bgr(path)
            debug = Path(debug_dir) / Path(path).stem if debug_dir else None
            chip = read_chip(image, engines=engines or (DEFAULT_ENGINE,), debug_dir=debug)
        except (BadPhoto, EngineUnavailable) as exc:
            click.echo(f"bomcat: error: {exc}", err=True)
            failed = True
            continue
        record = {"file": path, **chip.as_dict()}
        emit(record, as_json, f"{path}\t{chip.text}\t{chip.manufacturer or '?'}\t{chip.part_number or '?'}"
                              f"\t{chip.confidence:.2f}")
    if failed:
        sys.exit(1)


def _point(_ctx, _param, values: tuple[str, ...]) -> list[tuple[float, float]]:
    points = []
    for value in values:
        try:
            x, y = (float(v) for v in value.split(","))
        except ValueError:
            raise BomcatError(f"--at {value!r}: give a point as X,Y in the upright image's pixels") from None
        points.append((x, y))
    return points


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image.")
@click.option("--at", "points", multiple=True, callback=_point, metavar="X,Y",
              help="Box the package under this point (repeat for several); chips[i] is the i-th point's box or null.")
@click.argument("images", nargs=-1)
def detect(as_json: bool, points: list[tuple[float, float]], images: tuple[str, ...]) -> None:
    """Find IC packages on whole-board photo IMAGES, as rotated boxes (or the package under each --at)."""
    from bomcat.images.click import box_at
    from bomcat.images.detect import detect_chips
    from bomcat.images.photo import BadPhoto, load_upright_bgr
    _check_files(images)
    failed = False
    for path in images:
        try:
            image = load_upright_bgr(path)
        except BadPhoto as exc:
            click.echo(f"bomcat: error: {exc}", err=True)
            failed = True
            continue
        if points:
            found = [box_at(image, x, y) for x, y in points]
            chips_at = [b.as_dict() if b else None for b in found]
            emit({"file": path, "chips": chips_at}, as_json,
                 f"{path}\t" + " ".join(f"({c['cx']:.0f},{c['cy']:.0f} {c['w']:.0f}x{c['h']:.0f} {c['angle']:+.0f}°)"
                                        if c else "(no package there)" for c in chips_at))
            continue
        boxes = detect_chips(image)
        chips = [b.as_dict() for b in boxes]
        emit({"file": path, "chips": chips}, as_json,
             f"{path}\t{len(chips)} chips\t" + " ".join(
                 f"({c['cx']:.0f},{c['cy']:.0f} {c['w']:.0f}x{c['h']:.0f} {c['angle']:+.0f}°)" for c in chips))
    if failed:
        sys.exit(1)


@main.command()
@click.option("--device", "device_slug", required=True, help="Slug of the device the photos show.")
@click.option("--by", "uploaded_by", default=lambda: os.environ.get("USER") or "investigator",
              show_default="$USER", help="Who took or uploaded the photos.")
@click.option("--board", default=None, help="Which board (e.g. main, sensor).")
@click.option("--side", type=click.Choice(["top", "bottom"]), default=None)
@click.option("--engine", "engines", multiple=True, default=None,
              help="OCR engine (rapidocr, tesseract); default: the benchmark's best.")
@click.option("--json", "as_json", is_flag=True)
@click.argument("photos", nargs=-1)
@click.pass_context
def ingest(ctx, device_slug, uploaded_by, board, side, engines, as_json, photos) -> None:
    """Ingest board PHOTOS into a device: store, detect, crop, read, resolve, propose."""
    from tqdm import tqdm
    from bomcat.images.ingest import IngestError, ingest_file
    from bomcat.ocr.engines import DEFAULT_ENGINE
    _check_files(photos)
    engines = engines or (DEFAULT_ENGINE,)
    catalog = open_catalog_from(ctx)
    failures = 0
    bar = tqdm(photos, unit="photo", disable=as_json or not sys.stderr.isatty(), file=sys.stderr)
    for path in bar:
        bar.set_description(Path(path).name[:30])
        try:
            result = ingest_file(catalog, device_slug, path, uploaded_by, board=board, side=side,
                                 engines=engines, on_step=lambda step, _ctx: bar.set_postfix_str(step))
        except IngestError as exc:
            failures += 1
            click.echo(f"bomcat: error: {exc}", err=True)
            continue
        state = "ingested" if result.created else "already in catalog"
        emit(result.as_dict(), as_json, f"{path}\t{state}\t{result.regions} regions\t"
                                        f"{result.components} components\t{result.seconds:.1f} s")
    if failures:
        sys.exit(1)


@main.group()
def devices() -> None:
    """Create and list devices."""


@devices.command("add")
@click.argument("slug")
@click.option("--maker", required=True)
@click.option("--model", required=True)
@click.option("--variant")
@click.option("--firmware")
@click.option("--serial")
@click.option("--acquired-where")
@click.option("--acquired-on", help="Date bought, e.g. 2024-05-31.")
@click.option("--teardown-on", help="Date torn down, e.g. 2024-06-02.")
@click.option("--notes")
@click.pass_context
def devices_add(ctx, slug, **fields) -> None:
    """Add a device with SLUG (lower-case letters, digits, dashes)."""
    from bomcat.catalog.devices import add_device
    catalog = open_catalog_from(ctx)
    with catalog.session() as session:   # refusals (CatalogError) carry their exit code
        add_device(session, {"slug": slug, **{k: v for k, v in fields.items() if v is not None}})
    click.echo(f"device {slug} added")


@devices.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def devices_list(ctx, as_json) -> None:
    from sqlalchemy import select
    from bomcat.catalog.models import Device
    catalog = open_catalog_from(ctx)
    with catalog.session() as session:
        for d in session.scalars(select(Device).order_by(Device.slug)):
            emit({"slug": d.slug, "maker": d.maker, "model": d.model, "status": d.status.value,
                  "photos": len(d.photos), "components": len(d.components)}, as_json,
                 f"{d.slug}\t{d.title}\t{d.status.value}\t{len(d.photos)} photos\t{len(d.components)} components")


@main.group()
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


@main.group()
def db() -> None:
    """Catalog database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx) -> None:
    """Bring the catalog schema up to the newest migration."""
    from bomcat.catalog.db import current_revision
    catalog = open_catalog_from(ctx)
    click.echo(f"catalog at revision {current_revision(catalog.engine)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--trusted-proxy", envvar="BOMCAT_TRUSTED_PROXY", metavar="ADDRESS",
              help="The address of a reverse proxy (TLS in front of bomcat) whose X-Forwarded-Proto and "
                   "X-Forwarded-For are believed: HTTPS requests then get Secure cookies, and sign-in limits "
                   "count the client's address, not the proxy's.")
@click.pass_context
def serve(ctx, host: str, port: int, trusted_proxy: Optional[str]) -> None:
    """Serve the catalog web app."""
    run_server(ctx, host, port, trusted_proxy)


def run_server(ctx: click.Context, host: str, port: int, trusted_proxy: Optional[str] = None) -> None:
    from bomcat.web import create_app
    catalog = open_catalog_from(ctx)
    config = {"CATALOG": catalog}
    if ctx.obj["home"]:
        config["BOMCAT_HOME"] = ctx.obj["home"]  # where the session key is kept when none is configured
    app = create_app(config)
    click.echo(f"bomcat: serving on http://{host}:{port}/  (Ctrl-C to stop)")
    import waitress  # a production WSGI server (multi-threaded), not Werkzeug's development server
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
             "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    waitress.serve(app, host=host, port=port, threads=int(os.environ.get("BOMCAT_SERVER_THREADS", "8")),
                   ident="bomcat", _quiet=True, **proxy)


@main.command()
@click.option("--serve", "then_serve", is_flag=True, help="Serve the demo catalog when it is built.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--boards", default=3, show_default=True, help="How many synthetic boards to render.")
@click.pass_context
def demo(ctx, then_serve: bool, host: str, port: int, boards: int) -> None:
    """Build a demo catalog from synthetic board photos rendered by bomcat, through the real pipeline."""
    from bomcat.demo import build_demo
    catalog = open_catalog_from(ctx)
    summary = build_demo(catalog, boards=boards, echo=lambda msg: click.echo(msg, err=True))
    click.echo(f"demo catalog: {summary['photos']} photos, {summary['components']} components "
               f"({summary['resolved']} resolved, reviewed and published) in device {summary['device']!r}; "
               f"{summary['waiting']} proposals waiting for review in the draft {summary['draft_device']!r}")
    click.echo(f"sign in as {', '.join(summary['users'])} with password {summary['password']!r} "
               "to see the draft and review its proposals")
    if then_serve:
        run_server(ctx, host, port)


@main.command()
@click.option("--queue-url", envvar="BOMCAT_QUEUE_URL", required=True, metavar="URL",
              help="Redis URL of the RQ queue (BOMCAT_QUEUE_URL), the one the web app puts uploads on.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for jobs.")
@click.pass_context
def worker(ctx, queue_url: str, burst: bool) -> None:
    """Take photo-ingest jobs from the RQ queue on Redis (when one web process is not enough)."""
    import logging
    try:
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisDown
        from rq import Queue, Worker
    except ImportError:
        raise BomcatError("RQ is not installed: pip install 'bomcat[queue]'") from None
    from bomcat.jobs import QUEUE_NAME
    open_catalog_from(ctx)  # check the catalog (and bring its schema up to date) before taking jobs
    if ctx.obj["db"]:
        os.environ["BOMCAT_DATABASE_URL"] = ctx.obj["db"]
    if ctx.obj["home"]:
        os.environ["BOMCAT_HOME"] = ctx.obj["home"]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    connection = Redis.from_url(queue_url)
    try:
        connection.ping()
    except RedisDown as exc:
        raise BomcatError(f"cannot reach the queue at {queue_url}: {exc}") from exc
    Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)


from bomcat.bench import bench  # noqa: E402  (registers the `bench` group)
from bomcat.export_cli import export  # noqa: E402
from bomcat.train_cli import train  # noqa: E402
from bomcat.knowledge_cli import knowledge  # noqa: E402
from bomcat.doctor_cli import doctor  # noqa: E402

main.add_command(bench)
main.add_command(export)
main.add_command(train)
main.add_command(knowledge)
main.add_command(doctor)
