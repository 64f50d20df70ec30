from __future__ import annotations

import base64
import os

import mongomock_ng as mongomock
import pytest

from hooky_api.app import create_app
from hooky_common.config import Config
from hooky_worker.worker import Worker, WorkerSettings
from tests.receiver import start_receiver

os.environ["HOOKY_ALLOW_PRIVATE_TARGETS"] = "1"  # test receivers listen on loopback; guard tests say otherwise


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ADMIN = basic("admin", "s3cret-admin")


@pytest.fixture
def db():
    return mongomock.MongoClient(tz_aware=True).hooky


@pytest.fixture
def app(db):
    return create_app(Config(admin_password="s3cret-admin"), db=db)


@pytest.fixture
def client(app):
    return app.test_client()


class AccountClient:
    """An account's credentials and paths, for terse tests."""

    def __init__(self, client, created: dict):
        self.client, self.id, self.key = client, created["id"], created["key"]
        self.auth = basic(self.id, self.key)
        self.base = f"/accounts/{self.id}"
        self.app = f"{self.base}/applications/default"

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.client.open(path, method=method, headers={**self.auth, **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def create_task(self, **spec) -> dict:
        response = self.post(f"{self.app}/tasks", json=spec)
        assert response.status_code == 200, response.json
        return response.json


def new_account(client) -> AccountClient:
    response = client.post("/accounts", headers=ADMIN)
    assert response.status_code == 200, response.json
    return AccountClient(client, response.json)


@pytest.fixture
def account(client) -> AccountClient:
    return new_account(client)


@pytest.fixture
def other_account(client) -> AccountClient:
    return new_account(client)


@pytest.fixture(scope="session")
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def worker(db) -> Worker:
    return Worker(db, WorkerSettings(concurrency=4, lease_seconds=5, heartbeat_seconds=1, allow_private_targets=True))
