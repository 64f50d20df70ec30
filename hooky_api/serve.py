"""`hooky-api`: serve the app factory under gunicorn, embedded as a library."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

import click
from gunicorn.app.base import BaseApplication

from hooky_common import logs
from hooky_common.config import Config, admin_password_problem
from hooky_common.logs import log_format_option

DEFAULT_BIND = "0.0.0.0:8000"


def default_bind() -> str:
    """PORT (the PaaS convention) wins, then HOOKY_BIND, then 0.0.0.0:8000."""
    if os.environ.get("PORT"):
        return f"0.0.0.0:{os.environ['PORT']}"
    return os.environ.get("HOOKY_BIND") or DEFAULT_BIND


def bind_host(bind: str) -> str:
    return bind.rsplit(":", 1)[0] if ":" in bind else bind


class HookyServer(BaseApplication):
    """gunicorn running create_app() in each worker process, after the fork."""

    def __init__(self, config: Config, options: dict):
        self.hooky_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 26: one shared socket path per user
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from hooky_api.app import create_app  # imported after PROMETHEUS_MULTIPROC_DIR is set
        return create_app(self.hooky_config)


@click.command()
@click.option("--bind", default=default_bind, show_default="$PORT, $HOOKY_BIND or 0.0.0.0:8000",
              help="host:port to listen on.")
@click.option("--workers", envvar="HOOKY_API_WORKERS", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", envvar="HOOKY_API_THREADS", default=4, show_default=True, type=click.IntRange(1, 256))
@click.option("--mongo-uri", envvar="HOOKY_MONGO_URI", help="MongoDB URI; the database name is taken from it.")
@click.option("--admin-password", envvar="HOOKY_ADMIN_PASSWORD", help="Password of the admin user.")
@click.option("--dev", is_flag=True, hidden=True, help="Allow the development admin password anywhere.")
@log_format_option
def main(bind: str, workers: int, threads: int, mongo_uri: str | None, admin_password: str | None, dev: bool,
         log_format: str) -> None:
    """Serve the Hooky REST API."""
    problem = admin_password_problem(admin_password, bind_host(bind), dev)
    if problem:
        click.echo(f"hooky-api: refusing to start: {problem}", err=True)
        sys.exit(2)
    config = Config.from_env(mongo_uri=mongo_uri, admin_password=admin_password)
    metrics_dir = tempfile.mkdtemp(prefix="hooky-api-metrics-")  # one set of counters for all workers
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # before prometheus_client is first imported
    from prometheus_client import multiprocess
    options = {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
               "timeout": 30, "graceful_timeout": 20, "logconfig_dict": logs.gunicorn_logconfig(log_format),
               "child_exit": lambda _server, worker: multiprocess.mark_process_dead(worker.pid)}
    try:
        HookyServer(config, options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
