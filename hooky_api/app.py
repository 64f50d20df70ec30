"""The Flask app factory: configuration, database, error handlers, metrics and one blueprint per resource."""
from __future__ import annotations

import threading
from typing import Callable

from flask import Flask
from pymongo.database import Database

from hooky_api import errors, metrics
from hooky_api.views import accounts, applications, attempts, deadletters, queues, status, tasks, ui
from hooky_common.config import DEV_ADMIN_PASSWORD, Config
from hooky_common.db import connect, ensure_indexes

MAX_REQUEST_BYTES = 1024 * 1024


def lazy_database(uri: str) -> Callable[[], Database]:
    """Connect on first use, so the MongoClient is created after gunicorn forks its workers."""
    lock = threading.Lock()
    holder: list[Database] = []

    def get() -> Database:
        if not holder:
            with lock:
                if not holder:
                    db = connect(uri)
                    ensure_indexes(db)
                    holder.append(db)
        return holder[0]
    return get


def create_app(config: Config | None = None, db: Database | None = None) -> Flask:
    """Build the app: defaults, then HOOKY_* environment (Config.from_env), then the caller's overrides."""
    config = config or Config.from_env()
    config.admin_password = config.admin_password or DEV_ADMIN_PASSWORD
    app = Flask(__name__)
    app.config["HOOKY"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    if db is not None:
        ensure_indexes(db)
        app.extensions["hooky_db"] = lambda: db
    else:
        app.extensions["hooky_db"] = lazy_database(config.mongo_uri)
    errors.register(app)
    metrics.instrument(app)
    for module in (status, accounts, applications, queues, tasks, attempts, deadletters, ui):
        app.register_blueprint(module.blueprint)
    app.url_map.strict_slashes = False
    return app
