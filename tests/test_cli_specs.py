"""`stripe-contracts specs`: every spec on hand, in the order `load_spec` prefers them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts.cli import main
from stripe_contracts.spec import BUILTIN_SPEC, ENV_VAR, _documents

SPEC_2020 = SHARED / "spec3.2020-08-27.json"
SPEC_2023 = SHARED / "spec3.2023-08-16.json"
BUILTIN_ROW = {"api_version": "2026-05-27.dahlia", "source": "built-in", "path": str(BUILTIN_SPEC)}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, no spec configured, a download cache of its own."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("STRIPE_CONTRACTS_CACHE", str(tmp_path / "cache"))
    return work


def listed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, str | None]]:
    assert main(["specs", "--format", "json", *argv]) == 0
    rows: list[dict[str, str | None]] = json.loads(capsys.readouterr().out)
    return rows


def test_with_nothing_configured_only_the_builtin_spec_is_on_hand(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert listed(capsys) == [BUILTIN_ROW]


def test_every_source_is_listed_in_the_order_load_spec_prefers_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_VAR, str(EXCERPT))
    (project / "schemas").mkdir()
    (project / "schemas" / "spec3.json").symlink_to(SPEC_2020)
    (project / "schemas" / "manifest.schema.json").write_text('{"type": "object"}')  # not a spec
    pin = {"url": "https://example.invalid/spec3.json", "sha256": "a" * 64}
    (project / "schemas" / "stripe-spec.lock.json").write_text(json.dumps(pin))
    downloads = _documents.cache_dir() / "downloads"
    downloads.mkdir(parents=True)
    cached = downloads / f"{hashlib.sha256(SPEC_2023.read_bytes()).hexdigest()}.json"
    cached.symlink_to(SPEC_2023)
    assert listed(capsys, "--spec", str(SPEC_2023)) == [
        {"api_version": "2023-08-16", "source": "argument", "path": str(SPEC_2023)},
        {
            "api_version": "2026-09-30.endive",
            "source": "STRIPE_CONTRACTS_SPEC",
            "path": str(EXCERPT),
        },
        {
            "api_version": "2020-08-27",
            "source": "schemas/",
            "path": str(project / "schemas/spec3.json"),
        },
        {"api_version": None, "source": "lock", "path": pin["url"]},  # not downloaded yet
        {"api_version": "2023-08-16", "source": "download cache", "path": str(cached)},
        BUILTIN_ROW,
    ]


def test_a_downloaded_pin_is_listed_once_with_its_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = hashlib.sha256(SPEC_2020.read_bytes()).hexdigest()
    (project / "schemas").mkdir()
    pin = {"url": "https://example.invalid/spec3.json", "sha256": digest}
    (project / "schemas" / "stripe-spec.lock.json").write_text(json.dumps(pin))
    cached = _documents.cache_dir() / "downloads" / f"{digest}.json"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(SPEC_2020)
    assert listed(capsys) == [
        {"api_version": "2020-08-27", "source": "lock", "path": str(cached)},
        BUILTIN_ROW,
    ]


def test_a_directory_lists_every_spec_in_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(capsys, "--spec", str(SHARED))
    assert [(r["api_version"], Path(str(r["path"])).name) for r in rows[:-1]] == [
        ("2026-09-30.endive", "entitlements.2026-09-30.json"),
        ("2020-08-27", "spec3.2020-08-27.json"),
        ("2023-08-16", "spec3.2023-08-16.json"),
        ("2026-05-27.dahlia", "spec3.2026-05-27.dahlia.json"),
    ]
    assert {r["source"] for r in rows[:-1]} == {"argument"} and rows[-1] == BUILTIN_ROW


def test_text_form_is_one_aligned_line_per_spec(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["specs", "--spec", str(SPEC_2023)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"2023-08-16         argument  {SPEC_2023}",
        f"2026-05-27.dahlia  built-in  {BUILTIN_SPEC}",
    ]


def test_a_configured_spec_that_is_missing_is_an_error_naming_the_flag(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["specs", "--spec", "missing.json"]) == 2
    err = capsys.readouterr().err
    assert "no Stripe OpenAPI spec at missing.json" in err and "pass --spec PATH" in err


def test_help_says_it_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["specs", "--help"])
    assert "Writes and downloads nothing" in capsys.readouterr().out
