"""The README's first two commands are the ones CI and newcomers run."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())[:2]


def test_ci_runs_the_readme_test_command():
    run_command, test_command = readme_commands()
    assert "hooky dev" in run_command and "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text()
