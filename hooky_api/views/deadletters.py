"""/accounts/{account}/applications/{application}/deadletters: failed tasks, and their replay."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from hooky_api.auth import basic_auth, own_account
from hooky_api.views import db, page_request
from hooky_common import applications, attempts, deadletters, tasks

blueprint = Blueprint("deadletters", __name__,
                      url_prefix="/accounts/<account_id>/applications/<application>/deadletters")

FILTERS = {"queue": None}


@blueprint.get("")
@basic_auth.login_required
@own_account
def list_dead_letters(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    return jsonify(deadletters.list_page(db(), g.account["_id"], application, page_request(FILTERS)))


@blueprint.post("/replay")
@basic_auth.login_required
@own_account
def replay_dead_letters(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    filters = page_request(FILTERS).filters
    return jsonify({"replayed": deadletters.replay_all(db(), g.account["_id"], application, filters)})


@blueprint.post("/<task>/replay")
@basic_auth.login_required
@own_account
def replay_dead_letter(account_id: str, application: str, task: str):
    doc = tasks.get(db(), g.account["_id"], application, task)
    return jsonify(attempts.render(deadletters.replay(db(), doc)))
