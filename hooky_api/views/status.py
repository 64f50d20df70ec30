"""Service-level routes: /status, /authenticate and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from hooky_api.auth import basic_auth, current
from hooky_api.errors import error_response
from hooky_api.reference import SWAGGER_PATH
from hooky_api.views import db
from hooky_common import stats, workers
from hooky_common.db import missing_indexes

blueprint = Blueprint("status", __name__)


@blueprint.get("/status")
def status():
    database = db()
    calls = stats.all_calls(database)
    return jsonify({
        "status": "ok",
        "attemptsSuccess": calls["executions"] - calls["errors"],
        "attemptsError": calls["errors"],
        "workers": workers.live_count(database),
    })


@blueprint.get("/healthz")
def healthz():
    """The process answers; the database is not consulted."""
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz():
    """Ready when the database answers and the indexes the claim and the API rely on exist."""
    database = db()
    database.command("ping")
    missing = missing_indexes(database)
    if missing:
        return error_response(503, "not_ready", f"missing indexes: {', '.join(missing)}")
    return jsonify({"status": "ready"})


@blueprint.get("/authenticate")
@basic_auth.login_required
def authenticate():
    return jsonify({"account": current().name})


@blueprint.get("/swagger.yml")
def swagger():
    return Response(SWAGGER_PATH.read_text(), mimetype="application/yaml")
