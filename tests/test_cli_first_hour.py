"""The small CLI defects a first hour with the tool runs into (issue 13.8), each pinned."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED, spec_for
from stripe_contracts.cli import main
from stripe_contracts.errors import InvalidArgument
from stripe_contracts.export import all_bundles
from stripe_contracts.webhooks import WebhookTester

ROOT = Path(__file__).resolve().parent.parent
SPEC = str(SHARED / "spec3.2023-08-16.json")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stripe_contracts", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_validate_takes_a_whole_bundle_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "signup", "--spec", SPEC, "--out", str(tmp_path / "b")]) == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    listed = len(manifest["objects"]) + len(manifest["events"])  # the bundle's own file list
    capsys.readouterr()
    assert main(["validate", "--spec", SPEC, str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert f"{listed} objects in {listed} files: all valid" in out


def test_validate_on_a_directory_without_json_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not json")
    assert main(["validate", "--spec", SPEC, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: no *.json files in this directory" in err and "hint:" in err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """`stripe-contracts scenarios --format json | head -c 1`: the pipe closes under us."""
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_contracts", "scenarios", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert process.stdout and process.stderr
    process.stdout.close()  # before the command writes a byte
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141  # what `cat` killed by SIGPIPE exits with
    assert err == ""


def test_every_all_bundle_has_ids_of_its_own_and_its_seed_rebuilds_it(tmp_path: Path) -> None:
    spec = spec_for("2023-08-16")
    files = all_bundles(spec, seed=5)
    index = json.loads(files["index.json"])
    owners: dict[str, str] = {}
    for entry in index["bundles"]:
        manifest = json.loads(files[f"{entry['bundle']}/manifest.json"])
        assert manifest["seed"] == entry["seed"]
        for obj in manifest["objects"]:
            if obj["object"] in ("customer", "subscription", "invoice", "payment_intent"):
                assert obj["id"] not in owners, (obj["id"], owners.get(obj["id"]), entry)
                owners[obj["id"]] = entry["bundle"]
    assert len({e["seed"] for e in index["bundles"]}) == len(index["bundles"])
    signup = next(e for e in index["bundles"] if e["bundle"] == "signup")
    out = tmp_path / "signup"
    assert (
        main(
            [
                "generate",
                "signup",
                "--spec",
                SPEC,
                "--spec",
                str(EXCERPT),
                "--seed",
                str(signup["seed"]),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    for path in out.rglob("*"):
        if path.is_file() and path.name != "manifest.json":  # its params say how it was made
            assert path.read_bytes() == files[f"signup/{path.relative_to(out)}"], path
    rebuilt = json.loads((out / "manifest.json").read_text())
    assert rebuilt["objects"] == json.loads(files["signup/manifest.json"])["objects"]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["generate", "signup", "--out", "b", "--webhook-secret", "whsec_abc "], "whitespace"),
        (["generate", "signup", "--out", "b", "--webhook-secret", "abc"], "does not start"),
        (["sign", "--secret", "whsec_a b", "payload.json"], "whitespace"),
        (["verify", "--secret", "sk_test_123", "--header", "t=1,v1=0", "payload.json"], "whsec_"),
    ],
)
def test_a_malformed_webhook_secret_is_refused(
    args: list[str], problem: str, tmp_path: Path
) -> None:
    (tmp_path / "payload.json").write_text("{}")
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "argument --" in done.stderr and problem in done.stderr and "Traceback" not in done.stderr
    )
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("secret", ["whsec_abc\n", "wh_sec_abc", "", "whsec_"])
def test_the_webhook_tester_refuses_a_malformed_secret(secret: str) -> None:
    with pytest.raises(InvalidArgument, match="secret"):
        WebhookTester(print, secret=secret)


def test_out_dash_is_refused_without_creating_a_directory(tmp_path: Path) -> None:
    done = _cli("generate", "signup", "--out", "-", cwd=tmp_path)
    assert done.returncode == 2 and "cannot go to stdout" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_version_is_the_packages(tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    done = _cli("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == f"stripe-contracts {version}\n"
