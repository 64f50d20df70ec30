"""`hooky dev`: one command starts database, API and worker; Ctrl-C stops all; data survives a restart."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hooky_common.embedded import free_port

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


def start_dev(workdir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "hooky"), "dev", "--port", str(port)], cwd=workdir,
                               env={"PATH": str(BIN), "HOME": str(workdir)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/status", timeout=1)
            return process
        except requests.RequestException:
            assert process.poll() is None, process.stdout.read().decode()
            time.sleep(0.2)
    raise AssertionError("hooky dev did not come up")


def stop_dev(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=40)
    assert process.returncode == 0, output.decode()
    return output.decode()


def test_hooky_dev_runs_the_tutorial_and_keeps_data(tmp_path, receiver):
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    dev = start_dev(tmp_path, port)
    try:
        account = requests.post(f"{api}/accounts", auth=("admin", "admin"), timeout=10).json()
        tasks = f"{api}/accounts/{account['id']}/applications/default/tasks"
        auth = (account["id"], account["key"])
        task = requests.post(tasks, json={"url": f"{receiver.url}/dev"}, auth=auth, timeout=10).json()
        deadline = time.monotonic() + 15
        while requests.get(f"{tasks}/{task['id']}", auth=auth, timeout=10).json()["status"] != "success":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        output = stop_dev(dev)
    assert "hooky dev: stopped" in output
    assert (tmp_path / ".hooky" / "data").is_dir()

    dev = start_dev(tmp_path, port)
    try:
        again = requests.get(f"{tasks}/{task['id']}", auth=auth, timeout=10)
        assert again.status_code == 200 and again.json()["executions"] == 1
    finally:
        stop_dev(dev)
