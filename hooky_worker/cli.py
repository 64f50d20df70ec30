"""`hooky-worker`: run one worker process."""
from __future__ import annotations

import logging
import os
import signal
import sys

import click
from prometheus_client import start_http_server
from pymongo.database import Database
from pymongo.errors import PyMongoError

from hooky_common import logs
from hooky_common.config import Config
from hooky_common.db import connect, ensure_indexes
from hooky_common.logs import log_format_option
from hooky_common.targets import private_targets_allowed
from hooky_worker.worker import Worker, WorkerSettings


def install_signal_handlers(worker: Worker) -> None:
    """First SIGTERM/SIGINT: stop claiming and drain. Second: exit at once."""
    def handle(signum, _frame):
        if worker.stopping.is_set():
            logging.getLogger("hooky.worker").warning("second signal: exiting now")
            os._exit(1)
        worker.request_stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def wait_for_database(db: Database, worker: Worker) -> bool:
    """Create the indexes, waiting through a database that is not up yet; False if asked to stop first."""
    delay = 1.0
    while not worker.stopping.is_set():
        try:
            ensure_indexes(db)
            return True
        except PyMongoError as error:
            logging.getLogger("hooky.worker").error("database unavailable, retrying in %.0fs: %s", delay, error)
            worker.stopping.wait(delay)
            delay = min(delay * 2, 30.0)
    return False


@click.command()
@click.option("--mongo-uri", envvar="HOOKY_MONGO_URI", help="MongoDB URI; the database name is taken from it.")
@click.option("--concurrency", envvar="HOOKY_CONCURRENCY", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Webhook calls in flight in this process.")
@click.option("--lease-seconds", envvar="HOOKY_LEASE_SECONDS", default=30.0, show_default=True,
              type=click.FloatRange(1, 3600), help="How long a claimed attempt stays reserved without a heartbeat.")
@click.option("--heartbeat-seconds", envvar="HOOKY_HEARTBEAT_SECONDS", default=10.0, show_default=True,
              type=click.FloatRange(0.1, 1800), help="How often leases of running calls are extended.")
@click.option("--retention-hours", envvar="HOOKY_RETENTION_HOURS", default=7 * 24.0, show_default=True,
              type=click.FloatRange(0.01), help="Finished attempts older than this are deleted.")
@click.option("--metrics-port", envvar="HOOKY_METRICS_PORT", type=click.IntRange(1, 65535),
              help="Serve Prometheus metrics on this port (all interfaces).")
@log_format_option
def main(mongo_uri: str | None, concurrency: int, lease_seconds: float, heartbeat_seconds: float,
         retention_hours: float, metrics_port: int | None, log_format: str) -> None:
    """Claim due attempts from MongoDB and call their webhooks."""
    logs.configure(log_format)
    if metrics_port:
        start_http_server(metrics_port)
    if heartbeat_seconds >= lease_seconds:
        raise click.BadParameter("must be shorter than --lease-seconds", param_hint="--heartbeat-seconds")
    db = connect(Config.from_env(mongo_uri=mongo_uri).mongo_uri)
    worker = Worker(db, WorkerSettings(concurrency=concurrency, lease_seconds=lease_seconds,
                                       heartbeat_seconds=heartbeat_seconds, retention_hours=retention_hours,
                                       allow_private_targets=private_targets_allowed()))
    install_signal_handlers(worker)
    if wait_for_database(db, worker):
        worker.run()
    sys.exit(0)
