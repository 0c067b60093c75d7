"""`bomcat serve`, `bomcat demo` and `bomcat worker`: the web app, the demo catalog and queue workers."""
from __future__ import annotations

import os
from typing import Optional

import click

from .common import BomcatError, open_catalog_from


@click.command()
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
    import gc

    from bomcat.catalog.resolver import knowledge
    knowledge.load()
    # The knowledge base and the app live as long as the process: moved out of the collector's scans, so
    # that a full collection (every few hundred requests' garbage) does not walk a million objects each
    # time (bench web: the slowest page times halve).
    gc.collect()
    gc.freeze()
    click.echo(f"bomcat: serving on http://{host}:{port}/  (Ctrl-C to stop)")
    import waitress  # a production WSGI server (multi-threaded), not Werkzeug's development server
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
             "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    waitress.serve(app, host=host, port=port, threads=int(os.environ.get("BOMCAT_SERVER_THREADS", "8")),
                   ident="bomcat", _quiet=True, **proxy)


@click.command()
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


@click.command()
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
    from bomcat.pipeline.jobs import QUEUE_NAME
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
