"""Every `sh` example of docs/ runs against a real Hooky; every option of a `text` example exists."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from hooky_api.reference import SWAGGER_PATH, render
from tests.e2e.cluster import ADMIN_PASSWORD

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs"
BIN = Path(sys.executable).parent
PREAMBLE = """set -euo pipefail
curl() { command curl --silent --show-error --fail-with-body "$@"; }
"""


def blocks(document: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", document.read_text(), flags=re.S)


@pytest.mark.parametrize("name", ["user-guide.md", "operations.md"])
def test_shell_examples_run(cluster, tmp_path, name):
    script = PREAMBLE + "\n".join(blocks(DOCS / name, "sh"))
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HOOKY": cluster.api_url,
           "HOOKY_ADMIN_PASSWORD": ADMIN_PASSWORD}
    for variable in ("HOOKY_URL", "HOOKY_ACCOUNT", "HOOKY_KEY", "HOOKY_APPLICATION"):
        env.pop(variable, None)
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if name == "user-guide.md":
        assert "would create   nightly_report" in result.stdout
        assert "Error: 404 not_found: task cli-task not found" in result.stderr


def test_options_in_text_examples_exist():
    for document in DOCS.glob("*.md"):
        for block in blocks(document, "text"):
            for line in block.splitlines():
                command = line.split()[0] if line.split() else ""
                if command not in ("hooky-api", "hooky-worker"):
                    continue
                help_text = subprocess.run([str(BIN / command), "--help"], capture_output=True, text=True).stdout
                for option in re.findall(r"(--[a-z-]+)", line):
                    assert option in help_text, (document.name, line, option)


def test_api_reference_is_generated_from_swagger():
    expected = render(yaml.safe_load(SWAGGER_PATH.read_text()))
    assert (DOCS / "api.md").read_text() == expected, "run: python -m hooky_api.reference > docs/api.md"


def test_python_examples_verify_real_signatures():
    from hooky_common import signing
    namespace: dict = {}
    for block in blocks(DOCS / "user-guide.md", "python"):
        exec(compile(block, "user-guide.md", "exec"), namespace)  # noqa: S102 - our own documentation
    secret = signing.new_secret()
    body = b'{"hello": "world"}'
    headers = signing.headers([secret], "msg_1", int(time.time()), body)
    namespace["verify"](secret, body, headers)
    with pytest.raises(Exception, match="signature"):
        namespace["verify"](signing.new_secret(), body, headers)
