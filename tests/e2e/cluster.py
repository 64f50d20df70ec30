"""Real processes for end-to-end tests: the embedded database, hooky-api under gunicorn, hooky-workers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from hooky_common import embedded

BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "e2e-admin-password"
WORKER_ARGS = ["--lease-seconds", "3", "--heartbeat-seconds", "1", "--concurrency", "8"]


class Cluster:
    def __init__(self, log_dir: Path, workers: int = 2, storage: str = ":memory:", worker_args: list[str] = ()):
        self.log_dir, self.storage, self.worker_args = log_dir, storage, list(worker_args)
        self.database_port = embedded.free_port()
        self.start_database()
        self.env = {**os.environ, "HOOKY_MONGO_URI": self.mongo_uri, "HOOKY_ADMIN_PASSWORD": ADMIN_PASSWORD}
        self.api_url = f"http://127.0.0.1:{embedded.free_port()}"
        self.api = self._spawn("hooky-api", ["--bind", self.api_url.removeprefix("http://"), "--workers", "2"])
        self.workers = [self.start_worker() for _ in range(workers)]
        self._wait_for_api()

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        return subprocess.Popen([str(BIN / name), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_database(self) -> None:
        self.database, self.mongo_uri = embedded.start(self.storage, self.database_port,
                                                       log_path=self.log_dir / "database.log")

    def stop_database(self) -> None:
        embedded.stop(self.database, timeout_seconds=30)

    def start_worker(self) -> subprocess.Popen:
        return self._spawn("hooky-worker", [*WORKER_ARGS, *self.worker_args])

    def _wait_for_api(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.api_url}/status", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("hooky-api did not start; see its log")

    def replace_dead_workers(self) -> None:
        self.workers = [w if w.poll() is None else self.start_worker() for w in self.workers]

    def worker_by_pid(self, pid: int) -> subprocess.Popen:
        return next(w for w in self.workers if w.pid == pid)

    def stop(self) -> None:
        for process in [*self.workers, self.api]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.api]:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        embedded.stop(self.database)


class Client:
    """A Hooky account seen through real HTTP."""

    def __init__(self, api_url: str):
        created = requests.post(f"{api_url}/accounts", auth=("admin", ADMIN_PASSWORD), timeout=10)
        created.raise_for_status()
        self.id, key = created.json()["id"], created.json()["key"]
        self.session = requests.Session()
        self.session.auth = (self.id, key)
        self.app = f"{api_url}/accounts/{self.id}/applications/default"

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, f"{self.app}{path}", timeout=10, **kwargs)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    def task(self, name: str) -> dict:
        return self.call("GET", f"/tasks/{name}")

    def attempts(self, name: str) -> list[dict]:
        return self.call("GET", f"/tasks/{name}/attempts?limit=100")["list"]

    def wait_task(self, name: str, predicate, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.task(name)
            if predicate(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"task {name} never reached the expected state: {state}")
