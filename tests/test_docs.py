"""docs/pytest.md and docs/library.md: every example runs, and every option, ini key and
fixture the plugin registers (as pytest itself lists them) is documented."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import stripe
import vcr

from conftest import SHARED

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent
PYTEST_DOC = (ROOT / "docs" / "pytest.md").read_text()
LIBRARY_DOC = (ROOT / "docs" / "library.md").read_text()
SPEC = SHARED / "spec3.2023-08-16.json"
# In-process pytester runs drop modules an inner run imported first; importing these here keeps
# one copy of stripe, requests and vcrpy for every inner run.
SHARED_MODULES = (requests, stripe, vcr)


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@pytest.fixture(autouse=True)
def _plain_inner_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs see only this plugin (set after pytester, which clears PYTEST_ADDOPTS)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:xdist -p no:benchmark -p no:cacheprovider")
    monkeypatch.delenv("STRIPE_CONTRACTS_SPEC", raising=False)


@pytest.mark.parametrize("block", _blocks(LIBRARY_DOC, "python"))
def test_library_examples_run(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    block = block.replace('"../shared/stripe-openapi/', f'"{SHARED}/')  # STRIPE_CONTRACTS_SHARED
    exec(compile(block, "docs/library.md", "exec"), {})


def test_pytest_examples_pass_in_a_project_laid_out_as_shown(pytester: pytest.Pytester) -> None:
    [ini] = _blocks(PYTEST_DOC, "ini")
    spec_line = re.search(r"stripe_contracts_spec = (\S+)", ini)
    assert spec_line
    (pytester.path / spec_line.group(1)).parent.mkdir(parents=True)
    (pytester.path / spec_line.group(1)).symlink_to(SPEC)
    (pytester.path / "pytest.ini").write_text(ini)
    for block in _blocks(PYTEST_DOC, "bash"):
        for line in block.splitlines():
            args = [a.replace("path/to/spec3.json", str(SPEC)) for a in shlex.split(line)]
            assert args[0] == "stripe-contracts", line
            done = subprocess.run(
                [sys.executable, "-m", "stripe_contracts", *args[1:]],
                cwd=pytester.path,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (line, done.stderr)
    tests = [b for b in _blocks(PYTEST_DOC, "python") if "def test_" in b]
    for number, block in enumerate(tests):
        pytester.makepyfile(**{f"test_doc_{number}": block})
    result = pytester.runpytest()
    result.assert_outcomes(passed=sum(b.count("def test_") for b in tests))


def test_every_option_ini_key_and_fixture_of_the_plugin_is_documented(
    pytester: pytest.Pytester,
) -> None:
    helptext = pytester.runpytest("--help").stdout.str()
    options = set(re.findall(r"(--stripe-[a-z-]+)", helptext))
    ini_keys = set(re.findall(r"^\s+(stripe_contracts_\w+)", helptext, re.M))
    listing = pytester.runpytest("--fixtures", "-v").stdout.str()
    fixtures = set(
        re.findall(r"^(\w+) \[?.*?-- .*stripe_contracts/pytest_plugin\.py", listing, re.M)
    )
    assert {"--stripe-spec", "--stripe-record-mode"} <= options
    assert "stripe_contracts_spec" in ini_keys
    assert {"stripe_graph", "stripe_cassette", "stripe_vcr_config"} <= fixtures
    for name in sorted(options | ini_keys | fixtures):
        assert f"`{name}" in PYTEST_DOC, f"{name} is not documented in docs/pytest.md"
    assert "scrub_pii" in PYTEST_DOC
