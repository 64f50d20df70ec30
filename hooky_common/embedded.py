"""The embedded MongoDB-compatible server (secantusdb) used by `hooky dev` and the tests."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

STARTUP_TIMEOUT_SECONDS = 30


class EmbeddedUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command() -> str:
    """The secantusd-py launcher installed beside this Python, or on PATH."""
    beside = Path(sys.executable).with_name("secantusd-py")
    found = str(beside) if beside.exists() else shutil.which("secantusd-py")
    if not found:
        raise EmbeddedUnavailable("the embedded server is not installed: pip install 'hooky[embedded]' "
                                  "or set HOOKY_MONGO_URI to a MongoDB server")
    return found


def start(storage: str, port: int | None = None, log_path: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start secantusd on 127.0.0.1 and wait until it answers a ping; returns the process and a URI."""
    port = port or free_port()
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([server_command(), "--host", "127.0.0.1", "--port", str(port),
                                "--storage-path", storage, "--log-level", "WARNING"],
                               stdout=output, stderr=output, start_new_session=True)
    uri = f"mongodb://127.0.0.1:{port}/hooky"
    wait_until_ready(uri, process)
    return process, uri


def wait_until_ready(uri: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    client = MongoClient(uri, serverSelectionTimeoutMS=250)
    try:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise EmbeddedUnavailable(f"the embedded server exited with code {process.returncode}")
            try:
                client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        raise EmbeddedUnavailable(f"the embedded server did not answer within {STARTUP_TIMEOUT_SECONDS}s")
    finally:
        client.close()


def stop(process: subprocess.Popen, timeout_seconds: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
