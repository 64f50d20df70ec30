"""`hooky dev`: everything a newcomer needs on one machine."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from hooky_common import embedded
from hooky_common.targets import ALLOW_PRIVATE_ENV

DEV_DATA_DIR = ".hooky"


def _spawn(name: str, args: list[str], env: dict) -> subprocess.Popen:
    """Start a child in its own session: Ctrl-C reaches only `hooky dev`, which stops children in order."""
    command = str(Path(sys.executable).with_name(name))
    return subprocess.Popen([command, *args], env=env, start_new_session=True)


@click.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="API port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="API host.")
@click.option("--data-dir", default=DEV_DATA_DIR, show_default=True, type=click.Path(file_okay=False),
              help="Where the embedded database keeps its files.")
@click.option("--mongo-uri", envvar="HOOKY_MONGO_URI", help="Use this MongoDB instead of the embedded server.")
def dev(port: int, host: str, data_dir: str, mongo_uri: str | None) -> None:
    """Run everything on this machine: embedded database, API and one worker. Ctrl-C stops it all."""
    database = None
    if not mongo_uri:
        storage = Path(data_dir) / "data"
        click.echo(f"hooky dev: starting the embedded database in {storage}")
        database, mongo_uri = embedded.start(str(storage), log_path=Path(data_dir) / "database.log")
    env = {**os.environ, "HOOKY_MONGO_URI": mongo_uri, ALLOW_PRIVATE_ENV: "1"}  # local targets in development
    children = [
        _spawn("hooky-api", ["--bind", f"{host}:{port}", "--workers", "1", "--dev"], env),
        _spawn("hooky-worker", [], env),
    ]
    click.echo(f"hooky dev: API on http://{host}:{port} (admin:admin), one worker, database {mongo_uri}")
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: stopping.append(received))
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait()
        if database is not None:
            embedded.stop(database)
        click.echo("hooky dev: stopped")
    failed = [child.args[0] for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        sys.exit(1)
