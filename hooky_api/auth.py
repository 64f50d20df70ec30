"""HTTP Basic authentication: the admin, or an account by id and key, confined to its own paths."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g
from flask_httpauth import HTTPBasicAuth

from hooky_api.errors import error_response
from hooky_api.views import db
from hooky_common import accounts
from hooky_common.errors import Forbidden

ADMIN_USER = "admin"

basic_auth = HTTPBasicAuth(realm="Hooky")


@dataclass(frozen=True)
class Principal:
    name: str
    is_admin: bool
    account: dict | None = None  # the signed-in account's document, read once per request


@basic_auth.verify_password
def verify_password(username: str, password: str) -> Principal | None:
    if not username or not password:
        return None
    if username == ADMIN_USER:
        expected = current_app.config["HOOKY"].admin_password
        ok = hmac.compare_digest(password.encode(), expected.encode())
        return Principal(ADMIN_USER, True) if ok else None
    account = accounts.authenticate(db(), username, password)
    return Principal(username, False, account) if account else None


@basic_auth.error_handler
def unauthorized(status: int):
    if status == 403:
        return error_response(403, "forbidden", "these credentials may not do this")
    return error_response(401, "unauthorized", "valid HTTP Basic credentials are required")


def current() -> Principal:
    return basic_auth.current_user()


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current().is_admin:
            raise Forbidden("only the admin may do this")
        return view(*args, **kwargs)
    return wrapper


def own_account(view):
    """Let the admin, or the account named in the path, through; any other account gets 403."""
    @wraps(view)
    def wrapper(*args, account_id: str, **kwargs):
        principal = current()
        if not principal.is_admin and principal.name != account_id:
            raise Forbidden("an account may only use paths under /accounts/{its own id}")
        g.account = principal.account or accounts.get(db(), account_id)
        return view(*args, account_id=account_id, **kwargs)
    return wrapper
