"""The catalog web app: Flask app factory and blueprints."""
from __future__ import annotations

import os
from typing import Any, Optional

from flask import Flask, abort, has_request_context, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("BOMCAT_DATABASE_URL"),
        BOMCAT_HOME=os.environ.get("BOMCAT_HOME"),
        QUEUE_URL=os.environ.get("BOMCAT_QUEUE_URL"),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in check_csrf below, bearer-token requests excepted
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        # Never a fixed default: a key known to others lets anyone forge an admin's session.
        from bomcat.catalog.db import bomcat_home
        from .secret_key import session_secret_key
        app.config["SECRET_KEY"] = session_secret_key(bomcat_home(app.config["BOMCAT_HOME"]))
    if app.config.get("CATALOG") is None:
        from bomcat.pipeline import open_catalog
        app.config["CATALOG"] = open_catalog(app.config["DATABASE_URL"], app.config["BOMCAT_HOME"])

    if app.config.get("QUEUE") is None and app.config.get("BACKGROUND_QUEUE", True):
        # Background ingest: a worker process of this server unless BOMCAT_QUEUE_URL names a Redis for RQ workers.
        from bomcat.pipeline.jobs import make_queue
        app.config["QUEUE"] = make_queue(app.config["CATALOG"], app.config.get("QUEUE_URL"))
        app.config["QUEUE"].resume_interrupted()

    from . import admin, api, auth, board, compare, components, device_forms, devices, files, letters, places, \
        report, review, sanctions, search, suppliers, uploads
    auth.login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("BOMCAT_RATELIMIT_STORAGE", "memory://"))
    auth.limiter.init_app(app)
    csrf.init_app(app)
    for blueprint in (auth.bp, devices.bp, components.bp, files.bp, api.bp, suppliers.bp, review.bp, search.bp,
                      uploads.bp, board.bp, places.bp, admin.bp, device_forms.bp, sanctions.bp, compare.bp,
                      report.bp, letters.bp):
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        return redirect(url_for("devices.device_list"))

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it whatever the page says
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.template_filter("count")
    def count(n: int, one: str, many: str = "") -> str:
        """'1 company', '2 companies': a number with its noun agreeing."""
        return f"{n} {one if n == 1 else (many or one + 's')}"

    @app.template_filter("category")
    def category(name) -> str:
        """A category as people read it: 'image sensor', not 'image_sensor'."""
        return (name or "").replace("_", " ")

    @app.before_request
    def check_csrf():
        """Browsers (a session cookie) must send the CSRF token. Only a request that authenticates by a
        valid bearer token and carries no session cookie is a script and needs none."""
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        from flask_login import current_user
        by_token = request.headers.get("Authorization", "").startswith("Bearer ")
        with_session = app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies
        if by_token and not with_session:
            if not current_user.is_authenticated:
                abort(401, "the bearer token is not valid (make one with: bomcat users token NAME)")
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            abort(401, "sign in or send 'Authorization: Bearer <token>'")
        if app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.after_request
    def security_headers(response):
        """Scripts from this site's own files only (no inline script), no framing, no MIME sniffing,
        and no full URLs (with ids of private drafts) leaked to other sites in the Referer."""
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.context_processor
    def page_context() -> dict:
        import datetime as dt
        return {"now_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}

    app.session_interface = HttpsAwareSessions()

    from .views import register_error_handlers
    register_error_handlers(app)
    return app


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS (directly, or through a
    proxy `bomcat serve --trusted-proxy` trusts to say so), so it is never sent back over plain HTTP;
    over plain HTTP (a laptop, the demo) it could not be set at all if it were always Secure."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)
