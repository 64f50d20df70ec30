"""`hooky`: the command line for people."""
from __future__ import annotations

import click

from hooky_common.cli import crontab, resources
from hooky_common.cli.dev import dev


@click.group()
def main() -> None:
    """Hooky: a self-hosted webhook task scheduler."""


main.add_command(dev)
for group in (resources.accounts, resources.tasks, resources.attempts, resources.queues, crontab.crontab):
    main.add_command(group)
