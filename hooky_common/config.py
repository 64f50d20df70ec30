"""Configuration read from HOOKY_* environment variables, overridable by options."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017/hooky"
DEV_ADMIN_PASSWORD = "admin"


@dataclass
class Config:
    mongo_uri: str = DEFAULT_MONGO_URI
    admin_password: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        values = {
            "mongo_uri": os.environ.get("HOOKY_MONGO_URI") or DEFAULT_MONGO_URI,
            "admin_password": os.environ.get("HOOKY_ADMIN_PASSWORD") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def is_loopback_host(host: str) -> bool:
    """True when a bind host only accepts connections from this machine."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_password_problem(password: str | None, bind_host: str, dev: bool = False) -> str | None:
    """Why the admin password is unsafe for this bind address, or None when it is fine."""
    if dev or is_loopback_host(bind_host):
        return None
    if not password:
        return f"HOOKY_ADMIN_PASSWORD is not set; it is required when binding to {bind_host}"
    if password == DEV_ADMIN_PASSWORD:
        return (f"the admin password 'admin' is only allowed on loopback; "
                f"set a real HOOKY_ADMIN_PASSWORD to bind {bind_host}")
    return None
