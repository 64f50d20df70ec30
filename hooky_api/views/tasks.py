"""/accounts/{account}/applications/{application}/tasks."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError

from hooky_api.auth import basic_auth, own_account
from hooky_api.schemas import TaskPatchSchema, TaskSchema, clean_retry, valid_name
from hooky_api.views import db, json_body, page_request
from hooky_common import applications, idempotency, tasks

blueprint = Blueprint("tasks", __name__, url_prefix="/accounts/<account_id>/applications/<application>/tasks")

TASK_FILTERS = {"status": tasks.STATUSES, "schedule": ("true", "false"), "active": ("true", "false"),
                "queue": None, "name": None, "search": None}


def _render(doc: dict):
    return jsonify(tasks.render_with_queue(db(), doc))


@blueprint.post("")
@basic_auth.login_required
@own_account
def create_task(account_id: str, application: str):
    spec = clean_retry(json_body(TaskSchema()))
    key = idempotency_key()
    applications.get(db(), g.account["_id"], application)
    return _render(tasks.create(db(), g.account["_id"], application, spec, key))


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= idempotency.MAX_KEY_LENGTH and key.isprintable()):
        raise ValidationError({"Idempotency-Key": [f"must be 1-{idempotency.MAX_KEY_LENGTH} printable characters"]})
    return key


@blueprint.get("")
@basic_auth.login_required
@own_account
def list_tasks(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    return jsonify(tasks.list_page(db(), g.account["_id"], application, page_request(TASK_FILTERS)))


@blueprint.delete("")
@basic_auth.login_required
@own_account
def delete_tasks(account_id: str, application: str):
    applications.get(db(), g.account["_id"], application)
    return jsonify({"deleted": tasks.delete_all(db(), g.account["_id"], application)})


@blueprint.get("/<task>")
@basic_auth.login_required
@own_account
def get_task(account_id: str, application: str, task: str):
    return _render(tasks.get(db(), g.account["_id"], application, task))


@blueprint.put("/<task>")
@basic_auth.login_required
@own_account
def put_task(account_id: str, application: str, task: str):
    spec = clean_retry(json_body(TaskSchema(exclude=("name",))))
    applications.get(db(), g.account["_id"], application)
    return _render(tasks.put(db(), g.account["_id"], application, valid_name(task, "task"), spec))


@blueprint.patch("/<task>")
@basic_auth.login_required
@own_account
def patch_task(account_id: str, application: str, task: str):
    changes = json_body(TaskPatchSchema())
    doc = tasks.get(db(), g.account["_id"], application, task)
    return _render(tasks.set_active(db(), doc, changes["active"]))


@blueprint.delete("/<task>")
@basic_auth.login_required
@own_account
def delete_task(account_id: str, application: str, task: str):
    tasks.delete(db(), g.account["_id"], application, task)
    return jsonify({"deleted": 1})
