"""The catalog web app: Flask app factory and blueprints."""
from __future__ import annotations

import os
from typing import Any, Optional

from flask import Flask, redirect, url_for


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("BOMCAT_SECRET_KEY", "dev-only-change-me"),
        DATABASE_URL=os.environ.get("BOMCAT_DATABASE_URL"),
        BOMCAT_HOME=os.environ.get("BOMCAT_HOME"),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    if app.config.get("CATALOG") is None:
        from bomcat.catalog.db import open_catalog
        app.config["CATALOG"] = open_catalog(app.config["DATABASE_URL"], app.config["BOMCAT_HOME"])

    from . import api, auth, components, devices, files, suppliers
    auth.login_manager.init_app(app)
    for blueprint in (auth.bp, devices.bp, components.bp, files.bp, api.bp, suppliers.bp):
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        return redirect(url_for("devices.device_list"))

    from .views import register_error_handlers
    register_error_handlers(app)
    return app
