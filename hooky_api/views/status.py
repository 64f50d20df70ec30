"""Service-level routes: /status, /authenticate and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from hooky_api.auth import basic_auth, current
from hooky_api.reference import SWAGGER_PATH
from hooky_api.views import db

blueprint = Blueprint("status", __name__)


@blueprint.get("/status")
def status():
    database = db()
    return jsonify({
        "status": "ok",
        "attemptsSuccess": database.attempts.count_documents({"status": "success"}),
        "attemptsError": database.attempts.count_documents({"status": "error"}),
    })


@blueprint.get("/authenticate")
@basic_auth.login_required
def authenticate():
    return jsonify({"account": current().name})


@blueprint.get("/swagger.yml")
def swagger():
    return Response(SWAGGER_PATH.read_text(), mimetype="application/yaml")
