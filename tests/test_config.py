from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hooky_common.config import admin_password_problem
from hooky_worker.cli import main as worker_main

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("password,host,dev,refused", [
    (None, "0.0.0.0", False, True),
    ("admin", "0.0.0.0", False, True),
    ("admin", "10.1.2.3", False, True),
    ("a-real-secret", "0.0.0.0", False, False),
    (None, "127.0.0.1", False, False),
    ("admin", "localhost", False, False),
    ("admin", "[::1]", False, False),
    (None, "0.0.0.0", True, False),
])
def test_admin_password_rules(password, host, dev, refused):
    assert (admin_password_problem(password, host, dev) is not None) is refused


@pytest.mark.parametrize("env_password", [None, "admin"])
def test_hooky_api_refuses_a_public_bind_without_a_real_password(env_password):
    env = {"PATH": str(BIN), "HOME": "/tmp"}
    if env_password:
        env["HOOKY_ADMIN_PASSWORD"] = env_password
    result = subprocess.run([str(BIN / "hooky-api"), "--bind", "0.0.0.0:18123"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HOOKY_ADMIN_PASSWORD" in lines[0]


def test_worker_rejects_heartbeat_not_below_lease():
    result = CliRunner().invoke(worker_main, ["--lease-seconds", "5", "--heartbeat-seconds", "5"])
    assert result.exit_code == 2 and "--heartbeat-seconds" in result.output
