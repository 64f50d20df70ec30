"""/accounts: create (admin), list (admin), get, patch (rename, rotate key), delete."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from hooky_api.auth import admin_required, basic_auth, own_account
from hooky_api.schemas import AccountCreateSchema, AccountPatchSchema
from hooky_api.views import db, json_body, page_request
from hooky_common import accounts

blueprint = Blueprint("accounts", __name__, url_prefix="/accounts")


@blueprint.post("")
@basic_auth.login_required
@admin_required
def create_account():
    return jsonify(accounts.create(db(), **json_body(AccountCreateSchema())))


@blueprint.get("")
@basic_auth.login_required
@admin_required
def list_accounts():
    return jsonify(accounts.list_page(db(), page_request({})))


@blueprint.get("/<account_id>")
@basic_auth.login_required
@own_account
def get_account(account_id: str):
    return jsonify(accounts.render(g.account))


@blueprint.patch("/<account_id>")
@basic_auth.login_required
@own_account
def patch_account(account_id: str):
    changes = json_body(AccountPatchSchema())
    return jsonify(accounts.update(db(), g.account["_id"], changes.get("name"), changes["rotateKey"]))


@blueprint.delete("/<account_id>")
@basic_auth.login_required
@own_account
def delete_account(account_id: str):
    accounts.delete(db(), g.account["_id"])
    return jsonify({"deleted": 1})
