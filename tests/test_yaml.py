"""YAML aliases are refused in specs and cassettes: a few hundred bytes of nested aliases
("billion laughs") are a quick, clear error naming the file, not minutes of work and
gigabytes of memory (issue 14, item 4)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from conftest import EXCERPT, SHARED
from stripe_contracts import _yaml
from stripe_contracts.cassettes._vcr import _YamlSerializer, open_cassette
from stripe_contracts.cassettes.files import CassetteError, read_cassette
from stripe_contracts.cli import main
from stripe_contracts.errors import SpecError
from stripe_contracts.spec import load_spec

SPEC_ARGS = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]


def laughs(indent: str, kind: str = "enum") -> str:
    """Nine anchored levels, each nine aliases of the one before: 9**9 values in ~600 bytes."""
    lines = [f"{indent}a: &a {{{kind}: [lol, lol, lol, lol, lol, lol, lol, lol, lol]}}"]
    for before, level in zip("abcdefgh", "bcdefghi", strict=True):
        aliases = ", ".join([f"*{before}"] * 9)
        lines.append(f"{indent}{level}: &{level} {{allOf: [{aliases}]}}")
    return "\n".join(lines) + "\n"


SPEC = (
    'openapi: 3.0.0\ninfo: {title: laughs, version: "2023-08-16"}\npaths: {}\n'
    "components:\n  schemas:\n" + laughs("    ")
)
CASSETTE = (
    "laughs:\n" + laughs("  ") + "interactions:\n"
    "- request: {method: GET, uri: 'https://api.stripe.com/v1/customers', headers: {},"
    " body: null}\n"
    "  response:\n"
    "    status: {code: 200, message: OK}\n"
    "    headers: {Stripe-Version: [*i], Content-Type: [application/json]}\n"
    "    body: {string: '{}'}\n"
    "version: 1\n"
)


@contextmanager
def quickly(seconds: float = 5.0) -> Iterator[None]:
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < seconds


def test_the_documents_are_small_billion_laughs() -> None:
    assert len(SPEC) < 700 and len(CASSETTE) < 900
    assert SPEC.count("*") == CASSETTE.count("*") - 1 == 72


def test_a_billion_laughs_spec_is_a_quick_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(SPEC)
    with quickly(), pytest.raises(SpecError, match="aliases are not allowed") as raised:
        load_spec([path])
    assert str(path) in str(raised.value)


def test_a_billion_laughs_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(SPEC)
    (tmp_path / "customer.json").write_text(json.dumps({"object": "customer", "id": "cus_1"}))
    with quickly():
        assert main(["validate", "--spec", str(path), str(tmp_path / "customer.json")]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert str(path) in first and "aliases are not allowed" in first


def test_a_billion_laughs_cassette_is_a_quick_cassette_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(CASSETTE)
    with quickly(), pytest.raises(CassetteError, match="aliases are not allowed") as raised:
        read_cassette(path)
    assert str(path) in str(raised.value)
    with quickly():
        assert main(["cassette", "check", *SPEC_ARGS, str(path)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert str(path) in first and "aliases are not allowed" in first


def test_a_billion_laughs_cassette_is_refused_on_replay(tmp_path: Path) -> None:
    """The pytest plugin's path: vcrpy loads the cassette through our serializer."""
    path = tmp_path / "laughs.yaml"
    path.write_text(CASSETTE)
    with quickly(), pytest.raises(CassetteError, match="aliases are not allowed"):  # noqa: SIM117
        with open_cassette(path):
            pass


@pytest.mark.parametrize(
    "text",
    ["a: &x [1]\nb: *x\n", "a: &x [*x]\n", "a: &x {k: v}\nb: {<<: *x}\n", "- &s lol\n- *s\n"],
    ids=["sequence", "recursive", "merge key", "scalar"],
)
def test_every_alias_is_refused(text: str) -> None:
    with pytest.raises(_yaml.AliasRefused, match="line 1"):
        _yaml.load(text)
    pure = _yaml.refusing_aliases(yaml.SafeLoader)
    with pytest.raises(_yaml.AliasRefused):
        yaml.load(text, Loader=pure)  # a SafeLoader subclass


def test_yaml_without_aliases_still_loads() -> None:
    assert _yaml.load("a: &unused [1, 2]\nb: {c: null, d: 'x'}\n") == {
        "a": [1, 2],
        "b": {"c": None, "d": "x"},
    }


def test_what_we_write_has_no_aliases_so_we_can_read_it() -> None:
    shared = {"Stripe-Version": ["2023-08-16"]}
    data = {"interactions": [{"headers": shared}, {"headers": shared}], "version": 1}
    for text in (_yaml.dump(data), _YamlSerializer.serialize(data)):
        assert "&" not in text and "*" not in text
        assert _yaml.load(text) == _YamlSerializer.deserialize(text) == data
