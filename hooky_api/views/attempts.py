"""/accounts/{account}/applications/{application}/tasks/{task}/attempts."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from hooky_api.auth import basic_auth, own_account
from hooky_api.views import db, page_request
from hooky_common import attempts, tasks

blueprint = Blueprint("attempts", __name__,
                      url_prefix="/accounts/<account_id>/applications/<application>/tasks/<task>/attempts")


@blueprint.get("")
@basic_auth.login_required
@own_account
def list_attempts(account_id: str, application: str, task: str):
    doc = tasks.get(db(), g.account["_id"], application, task)
    return jsonify(attempts.list_page(db(), doc, page_request({"status": attempts.STATUSES, "kind": attempts.KINDS})))


@blueprint.post("")
@basic_auth.login_required
@own_account
def run_task_now(account_id: str, application: str, task: str):
    doc = tasks.get(db(), g.account["_id"], application, task)
    return jsonify(attempts.render(tasks.run_now(db(), doc)))


@blueprint.get("/<attempt>")
@basic_auth.login_required
@own_account
def get_attempt(account_id: str, application: str, task: str, attempt: str):
    doc = tasks.get(db(), g.account["_id"], application, task)
    return jsonify(attempts.render(attempts.get(db(), doc, attempt)))
