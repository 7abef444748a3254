"""Every code sample in the README runs here, so the README stays true."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED
from stripe_contracts.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
BASH_LINES = [
    line
    for block in re.findall(r"```bash\n(.*?)```", README, re.S)
    for line in block.splitlines()
    if line.startswith("stripe-contracts ")
]
SPEC = SHARED / "spec3.2023-08-16.json"


def test_the_readme_has_the_samples_this_file_runs() -> None:
    assert len(PYTHON_BLOCKS) >= 2 and BASH_LINES


@pytest.mark.parametrize("block", [b for b in PYTHON_BLOCKS if "def test_" not in b])
def test_library_samples_run(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    block = block.replace('"../shared/stripe-openapi/', f'"{SHARED}/')  # STRIPE_CONTRACTS_SHARED
    exec(compile(block, "README.md", "exec"), {})


pytest_plugins = ["pytester"]


@pytest.mark.parametrize("block", [b for b in PYTHON_BLOCKS if "def test_" in b])
def test_pytest_samples_pass(
    block: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    pytester.makepyfile(test_readme_sample=block)
    result = pytester.runpytest(f"--stripe-spec={SPEC}")
    result.assert_outcomes(passed=block.count("def test_"))


#: The README's YAML files, by the name in their first line (`# catalog.yaml`).
YAML_FILES = {
    block.split("\n", 1)[0].removeprefix("# "): block
    for block in re.findall(r"```yaml\n(.*?)```", README, re.S)
}


def test_the_readme_shows_the_example_scenario_files_as_they_are() -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "scenario_files"
    for name in ("catalog.yaml", "scenario.yaml"):
        assert YAML_FILES[name].split("\n", 1)[1] == (examples / name).read_text()


def test_cli_lines_run_in_order(tmp_path: Path) -> None:
    """The README's CLI lines, run as written one after the other in one directory (later
    lines use what earlier ones wrote; the YAML files shown are there), with the spec
    placeholder pointing at a real spec and `run-scenario` delivering to a real app."""
    from test_scenario_run import billing_app, serving

    for name, text in YAML_FILES.items():
        (tmp_path / name).write_text(text)
    with serving(billing_app(secret="whsec_your_endpoint_secret")) as url:
        _run_lines(tmp_path, url.removesuffix("/webhooks/stripe"))


def _run_lines(tmp_path: Path, app: str) -> None:
    for line in BASH_LINES:
        line = line.replace("http://127.0.0.1:5000", app)
        expected = re.search(r"# exit (\d)", line)  # a documented non-zero exit
        words = shlex.split(line, comments=True)
        args = [a.replace("path/to/spec3.json", str(SPEC)) for a in words]
        done = subprocess.run(
            [sys.executable, "-m", "stripe_contracts", *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        assert done.returncode == int(expected.group(1) if expected else 0), (line, done.stderr)
        if "--format" in args and "json" in args:
            json.loads(done.stdout)


NODE_BLOCK = re.search(r"```js\n(.*?)```", README, re.S)
NODE_MODULES = Path(__file__).resolve().parent / "node" / "node_modules"


@pytest.mark.parametrize("scenario", ["signup", "subscription"])
def test_the_node_snippet_verifies_a_bundle_as_written(scenario: str, tmp_path: Path) -> None:
    """The README's Node lines, run by Node with the pinned `stripe` package (./dev setup)."""
    node = shutil.which("node")
    assert node, "`node` is not on PATH: install Node >= 20, then run ./dev setup"
    assert NODE_MODULES.is_dir(), "the stripe npm package is not installed: run ./dev setup"
    assert NODE_BLOCK
    assert main(["generate", scenario, "--spec", str(SPEC), "--out", str(tmp_path / "bundle")]) == 0
    events = json.loads((tmp_path / "bundle" / "manifest.json").read_text()).get("events", [])
    script = tmp_path / "snippet.js"
    script.write_text(NODE_BLOCK.group(1) + "console.log((manifest.events ?? []).length);\n")

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [node, str(script)],
            cwd=tmp_path,
            env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    done = run()
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(events) and bool(events) == (scenario == "signup")
    if events:  # the snippet really checks: a changed byte is refused by Stripe's library
        first = tmp_path / "bundle" / events[0]["file"]
        first.write_bytes(first.read_bytes().replace(b'"livemode": false', b'"livemode": true'))
        refused = run()
        assert refused.returncode != 0 and "No signatures found" in refused.stderr
