"""The README's setup and test commands are what CI runs, and the setup installs everything
the tests need (the Node proof's npm package included) from a fresh clone."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _developing_commands() -> list[str]:
    section = README.split("## Developing", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's Developing section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def _ci_commands() -> list[str]:
    lines = (ROOT / ".ci/run").read_text().splitlines()
    commands = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    plumbing = ("set ", "cd ", "export ")
    return [c for c in commands if not c.startswith(plumbing)]


def test_the_readme_has_one_setup_command_and_one_test_command() -> None:
    setup, test = _developing_commands()
    assert setup == "./dev setup" and test == "python -m pytest -n 2"
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert f"```bash\n{setup}\n```" in install


def test_ci_runs_exactly_the_readme_commands_plus_lint_and_types() -> None:
    setup, test = _developing_commands()
    lint = ["ruff check .", "ruff format --check .", "mypy"]
    assert _ci_commands() == [setup, *lint, test]


def test_setup_installs_the_dev_extras_and_the_node_proofs_locked_package() -> None:
    done = subprocess.run(
        [str(ROOT / "dev"), "setup", "--dry-run"], capture_output=True, text=True, check=True
    )
    commands = [shlex.split(line[2:]) for line in done.stdout.splitlines()]
    assert ["python", "-m", "pip", "install", "-e", ".[dev]"] in commands
    npm = next(c for c in commands if c[0] == "npm")
    # `npm ci` installs exactly the lock file (and fails if it disagrees with package.json)
    assert npm[:4] == ["npm", "ci", "--prefix", "tests/node"]
    assert (ROOT / "tests/node/package-lock.json").is_file()
    node_proof = (ROOT / "tests/test_node_proof.py").read_text()
    assert "npm ci --prefix tests/node" in node_proof  # what that test asks for when missing


def test_setup_without_npm_stops_with_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, where in (("bash", shutil.which("bash")), ("dirname", shutil.which("dirname"))):
        assert where
        (bin_dir / tool).symlink_to(where)
    (bin_dir / "python").symlink_to(sys.executable)
    done = subprocess.run(
        ["bash", str(ROOT / "dev"), "setup"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": str(bin_dir)},
    )
    assert done.returncode == 2, done
    assert "'npm' is not on PATH: install Node.js >= 20" in done.stderr
    assert "+ python" not in done.stdout  # nothing half-installed


def test_an_unknown_dev_command_prints_usage() -> None:
    done = subprocess.run([str(ROOT / "dev"), "tset"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage: ./dev setup|check|test" in done.stderr
