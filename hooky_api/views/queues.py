"""/accounts/{account}/applications/{application}/queues."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from hooky_api.auth import basic_auth, own_account
from hooky_api.schemas import QueueSchema, clean_retry, valid_name
from hooky_api.views import db, json_body, page_request
from hooky_common import applications, queues, stats

blueprint = Blueprint("queues", __name__, url_prefix="/accounts/<account_id>/applications/<application>/queues")


def _render(doc: dict):
    return jsonify(queues.render(doc, stats.for_queues(db(), [doc])[doc["_id"]]))


@blueprint.get("")
@basic_auth.login_required
@own_account
def list_queues(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    return jsonify(queues.list_page(db(), g.account["_id"], application, page_request({})))


@blueprint.delete("")
@basic_auth.login_required
@own_account
def delete_queues(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    return jsonify({"deleted": queues.delete_all_but_default(db(), g.account["_id"], application)})


@blueprint.get("/<queue>")
@basic_auth.login_required
@own_account
def get_queue(account_id: str, application: str, queue: str):
    return _render(queues.get(db(), g.account["_id"], application, queue))


@blueprint.put("/<queue>")
@basic_auth.login_required
@own_account
def put_queue(account_id: str, application: str, queue: str):
    settings = clean_retry(json_body(QueueSchema()))
    applications.get(db(), g.account["_id"], application)
    return _render(queues.put(db(), g.account["_id"], application, valid_name(queue, "queue"), settings))


@blueprint.delete("/<queue>")
@basic_auth.login_required
@own_account
def delete_queue(account_id: str, application: str, queue: str):
    queues.delete(db(), g.account["_id"], application, queue)
    return jsonify({"deleted": 1})


@blueprint.post("/<queue>/pause")
@basic_auth.login_required
@own_account
def pause_queue(account_id: str, application: str, queue: str):
    return _render(queues.set_paused(db(), queues.get(db(), g.account["_id"], application, queue), True))


@blueprint.post("/<queue>/resume")
@basic_auth.login_required
@own_account
def resume_queue(account_id: str, application: str, queue: str):
    return _render(queues.set_paused(db(), queues.get(db(), g.account["_id"], application, queue), False))


@blueprint.post("/<queue>/purge")
@basic_auth.login_required
@own_account
def purge_queue(account_id: str, application: str, queue: str):
    return jsonify({"deleted": queues.purge(db(), queues.get(db(), g.account["_id"], application, queue))})
