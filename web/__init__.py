"""The catalog web app: Flask app factory and blueprints."""
from __future__ import annotations

import os
from typing import Any, Optional

from flask import Flask, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("BOMCAT_SECRET_KEY", "dev-only-change-me"),
        DATABASE_URL=os.environ.get("BOMCAT_DATABASE_URL"),
        BOMCAT_HOME=os.environ.get("BOMCAT_HOME"),
        QUEUE_URL=os.environ.get("BOMCAT_QUEUE_URL"),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in check_csrf below, bearer-token requests excepted
    )
    if test_config:
        app.config.update(test_config)
    if app.config.get("CATALOG") is None:
        from bomcat.catalog.db import open_catalog
        app.config["CATALOG"] = open_catalog(app.config["DATABASE_URL"], app.config["BOMCAT_HOME"])

    if app.config.get("QUEUE") is None and app.config.get("BACKGROUND_QUEUE", True):
        # Background ingest: threads in this process unless BOMCAT_QUEUE_URL names a Redis for RQ workers.
        from bomcat.jobs import make_queue
        app.config["QUEUE"] = make_queue(app.config["CATALOG"], app.config.get("QUEUE_URL"))
        app.config["QUEUE"].resume_interrupted()

    from . import admin, api, auth, board, components, devices, files, places, review, search, suppliers, uploads
    auth.login_manager.init_app(app)
    csrf.init_app(app)
    for blueprint in (auth.bp, devices.bp, components.bp, files.bp, api.bp, suppliers.bp, review.bp, search.bp,
                      uploads.bp, board.bp, places.bp, admin.bp):
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        return redirect(url_for("devices.device_list"))

    @app.before_request
    def check_csrf():
        # Browsers (session cookie) must send the CSRF token; scripts with a bearer token need not.
        if app.config.get("WTF_CSRF_ENABLED", True) and request.method in ("POST", "PUT", "PATCH", "DELETE") and \
                not request.headers.get("Authorization", "").startswith("Bearer "):
            csrf.protect()

    @app.context_processor
    def page_context() -> dict:
        import datetime as dt
        return {"now_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}

    from .views import register_error_handlers
    register_error_handlers(app)
    return app
