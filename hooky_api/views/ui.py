"""/ui: the dashboard, one static page over the JSON API, behind the same basic auth."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from hooky_api.auth import basic_auth

blueprint = Blueprint("ui", __name__)

PAGE = Path(__file__).resolve().parents[1] / "ui.html"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@blueprint.get("/ui")
@basic_auth.login_required
def dashboard():
    return Response(PAGE.read_text(), mimetype="text/html", headers=SECURITY_HEADERS)
