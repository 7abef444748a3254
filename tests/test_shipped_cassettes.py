"""The example cassettes in cassettes/ are synthesized, byte for byte, by the documented command."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED, spec_for
from stripe_contracts.cassettes.contract import check_cassette
from stripe_contracts.cli import main

SHIPPED = sorted((Path(__file__).resolve().parent.parent / "cassettes").glob("*.yaml"))


def test_the_examples_are_there() -> None:
    assert [p.stem for p in SHIPPED] == [
        "cancel-now",
        "one-off-invoice",
        "renewal-failed-recovered",
        "signup",
        "upgrade",
    ]


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda p: p.stem)
def test_regenerating_a_shipped_cassette_gives_the_same_bytes(
    shipped: Path, tmp_path: Path
) -> None:
    out = tmp_path / shipped.name
    command = [
        "cassette",
        "synthesize",
        shipped.stem,
        "--spec",
        str(SHARED / "spec3.2023-08-16.json"),
        "--spec",
        str(EXCERPT),
        "--seed",
        "0",
        "--out",
        str(out),
    ]
    assert main(command) == 0
    assert out.read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda p: p.stem)
def test_shipped_cassettes_pass_the_contract_check(shipped: Path) -> None:
    report = check_cassette(shipped, spec_for("2023-08-16"))
    assert report.valid and report.interactions
