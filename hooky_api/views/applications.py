"""/accounts/{account}/applications: list, delete all but default, get, put (create), delete."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema

from hooky_api.auth import basic_auth, own_account
from hooky_api.schemas import CallsQuerySchema, RotateSecretSchema, valid_name
from hooky_api.views import db, json_body, page_request
from hooky_common import applications, stats

blueprint = Blueprint("applications", __name__, url_prefix="/accounts/<account_id>/applications")


@blueprint.get("")
@basic_auth.login_required
@own_account
def list_applications(account_id: str):
    return jsonify(applications.list_page(db(), g.account["_id"], page_request({})))


@blueprint.delete("")
@basic_auth.login_required
@own_account
def delete_applications(account_id: str):
    return jsonify({"deleted": applications.delete_all_but_default(db(), g.account["_id"])})


@blueprint.get("/<application>")
@basic_auth.login_required
@own_account
def get_application(account_id: str, application: str):
    return jsonify(applications.render_with_stats(db(), applications.get(db(), g.account["_id"], application)))


@blueprint.put("/<application>")
@basic_auth.login_required
@own_account
def put_application(account_id: str, application: str):
    json_body(Schema())
    doc, secret = applications.ensure(db(), g.account["_id"], valid_name(application, "application"))
    body = applications.render_with_stats(db(), doc)
    return jsonify({**body, "signingSecret": secret} if secret else body)


@blueprint.post("/<application>/rotate-secret")
@basic_auth.login_required
@own_account
def rotate_signing_secret(account_id: str, application: str):
    options = json_body(RotateSecretSchema())
    doc = applications.get(db(), g.account["_id"], application)
    secret = applications.rotate_secret(db(), doc, options["graceSeconds"])
    return jsonify({**applications.render(doc), "signingSecret": secret})


@blueprint.delete("/<application>")
@basic_auth.login_required
@own_account
def delete_application(account_id: str, application: str):
    applications.delete(db(), g.account["_id"], application)
    return jsonify({"deleted": 1})


@blueprint.get("/<application>/calls")
@basic_auth.login_required
@own_account
def calls_per_minute(account_id: str, application: str):
    minutes = CallsQuerySchema().load(request.args)["minutes"]
    applications.get(db(), g.account["_id"], application)
    return jsonify({"minutes": stats.calls_per_minute(db(), g.account["_id"], application, minutes)})
