"""Every command on the catalogue of bad inputs of issue 14 ("crashes where a clear error is
due"): each ends in exit 2 with one line naming the input and the problem (and at most one
`  hint:` line), no traceback, and nothing written.

The bad inputs are made here, in the test, from small generators: no shipped fixture files.
Commands run in-process, so any exception that escapes `main` fails the test with its
traceback; `test_no_traceback_from_the_installed_command` runs a few as a subprocess too.
"""

from __future__ import annotations

import copy
import errno
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts.cli import main
from stripe_contracts.spec import _sources

SPEC = str(SHARED / "spec3.2023-08-16.json")
FULL = ["--spec", SPEC, "--spec", str(EXCERPT)]
NOT_UTF8 = os.fsdecode(b"whsec_\xff\xfe")  # what Python makes of a non-UTF-8 argv byte
JSON = Any


# -- generators ----------------------------------------------------------------------------------


def nested_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def customer(**fields: JSON) -> dict[str, JSON]:
    return {"id": "cus_1", "object": "customer", **fields}


def small_spec() -> dict[str, JSON]:
    """A well-formed OpenAPI document with one schema: each bad spec breaks one part of it."""
    return {
        "openapi": "3.0.0",
        "info": {"version": "2023-08-16"},
        "paths": {
            "/v1/customers": {
                "get": {
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/customer"}
                                }
                            }
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "customer": {
                    "type": "object",
                    "required": ["id", "object"],
                    "properties": {
                        "id": {"type": "string", "maxLength": 5000, "pattern": "^cus_"},
                        "object": {"type": "string", "enum": ["customer"]},
                        "balance": {"type": "integer", "minimum": 0},
                        "address": {"$ref": "#/components/schemas/address", "nullable": True},
                    },
                },
                "address": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        },
    }


def _customer_schema(spec: dict[str, JSON]) -> dict[str, JSON]:
    schema: dict[str, JSON] = spec["components"]["schemas"]["customer"]
    return schema


#: name -> (how the spec is broken, what the error must point at)
BAD_SPECS: dict[str, tuple[Callable[[dict[str, JSON]], None], str]] = {
    "properties-a-list": (
        lambda s: _customer_schema(s).__setitem__("properties", ["id"]),
        "/components/schemas/customer/properties",
    ),
    "enum-of-lists": (
        lambda s: _customer_schema(s)["properties"]["object"].__setitem__("enum", [["customer"]]),
        "/components/schemas/customer/properties/object/enum",
    ),
    "dangling-ref": (
        lambda s: _customer_schema(s)["properties"]["address"].__setitem__(
            "$ref", "#/components/schemas/nowhere"
        ),
        "/components/schemas/customer/properties/address/$ref",
    ),
    "ref-not-a-string": (
        lambda s: _customer_schema(s)["properties"]["address"].__setitem__("$ref", 5),
        "/components/schemas/customer/properties/address/$ref",
    ),
    "bad-pattern": (
        lambda s: _customer_schema(s)["properties"]["id"].__setitem__("pattern", "(["),
        "/components/schemas/customer/properties/id/pattern",
    ),
    "nan-bound": (
        lambda s: _customer_schema(s)["properties"]["balance"].__setitem__("minimum", float("nan")),
        "/components/schemas/customer/properties/balance/minimum",
    ),
    "infinite-bound": (
        lambda s: _customer_schema(s)["properties"]["balance"].__setitem__("minimum", float("inf")),
        "/components/schemas/customer/properties/balance/minimum",
    ),
    "schema-a-list": (
        lambda s: s["components"]["schemas"].__setitem__("customer", []),
        "/components/schemas/customer",
    ),
    "required-a-string": (
        lambda s: _customer_schema(s).__setitem__("required", "id"),
        "/components/schemas/customer/required",
    ),
    "type-a-number": (
        lambda s: _customer_schema(s)["properties"]["id"].__setitem__("type", 5),
        "/components/schemas/customer/properties/id/type",
    ),
    "info-version-a-number": (
        lambda s: s["info"].__setitem__("version", 20230816),
        "/info/version",
    ),
    "paths-a-list": (lambda s: s.__setitem__("paths", []), "/paths"),
    "operation-schema-broken": (
        lambda s: s["paths"]["/v1/customers"]["get"]["parameters"][0].__setitem__(
            "schema", {"type": "integer", "maximum": "ten"}
        ),
        "/paths/~1v1~1customers/get/parameters/0/schema/maximum",
    ),
}


def bad_spec(tmp: Path, name: str) -> Path:
    spec = copy.deepcopy(small_spec())
    BAD_SPECS[name][0](spec)
    path = tmp / f"spec3.{name}.json"
    path.write_text(json.dumps(spec))  # NaN and Infinity as Python writes them
    return path


# -- the catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One command on one bad input: `args` builds the argv in a fresh directory (and may
    monkeypatch); the one error line must contain every string of `says`."""

    args: Callable[[Path, pytest.MonkeyPatch], list[str]]
    says: tuple[str, ...]
    writes: tuple[str, ...] = field(default=())  # outputs that must not appear


def _file(tmp: Path, name: str, content: str | bytes) -> str:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


#: Every command that reads a spec, as an argv tail taking --spec PATH, and what it writes.
SPEC_COMMANDS: dict[str, tuple[Callable[[Path, str], list[str]], tuple[str, ...]]] = {
    "validate": (lambda t, s: ["validate", "--spec", s, _file(t, "c.json", "{}")], ()),
    "generate": (
        lambda t, s: ["generate", "signup", "--spec", s, "--out", str(t / "out")],
        ("out",),
    ),
    "cassette-synthesize": (
        lambda t, s: ["cassette", "synthesize", "signup", "--spec", s, "--out", str(t / "c.yaml")],
        ("c.yaml",),
    ),
    "cassette-check": (
        lambda t, s: ["cassette", "check", "--spec", s, _file(t, "c.json", '{"interactions": []}')],
        (),
    ),
    "export-cli-fixture": (
        lambda t, s: ["export-cli-fixture", "signup", "--spec", s, "--out", str(t / "f.json")],
        ("f.json",),
    ),
    "specs": (lambda t, s: ["specs", "--spec", s], ()),
    "upgrade-check": (lambda t, s: ["upgrade-check", "--from", s, _file(t, "c.json", "{}")], ()),
    "run-scenario": (
        lambda t, s: [
            "run-scenario",
            str(Path(__file__).parent.parent / "examples" / "scenario_files" / "e2e.yaml"),
            "--deliver-to",
            "http://127.0.0.1:9/webhooks/stripe",
            "--spec",
            s,
        ],
        (),
    ),
}


def _spec_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for command, (argv, writes) in SPEC_COMMANDS.items():
        for name, (_, pointer) in BAD_SPECS.items():
            if command == "specs" and name == "dangling-ref":
                continue  # listing reads documents alone: an excerpt's refs resolve when layered
            cases[f"{command}-spec-{name}"] = Case(
                lambda t, _m, argv=argv, name=name: argv(t, str(bad_spec(t, name))),
                (f"spec3.{name}.json", f"at {pointer}:"),
                writes,
            )
        for depth, maker in ((3000, nested_object), (3000, nested_list), (150, nested_object)):
            label = f"{command}-spec-nested-{maker.__name__}-{depth}"
            cases[label] = Case(
                lambda t, _m, argv=argv, maker=maker, depth=depth: argv(
                    t, _file(t, "deep.json", maker(depth))
                ),
                ("deep.json", "nested more than 100 levels deep"),
                writes,
            )
        cases[f"{command}-spec-yaml-nested-100000"] = Case(
            lambda t, _m, argv=argv: argv(t, _file(t, "deep.yaml", nested_list(100_000))),
            ("deep.yaml", "nested more than 100 levels deep"),
            writes,
        )
        cases[f"{command}-spec-duplicate-key"] = Case(
            lambda t, _m, argv=argv: argv(
                t, _file(t, "dup.json", json.dumps(small_spec())[:-1] + ', "openapi": "3.0.0"}')
            ),
            ("dup.json", "duplicate key 'openapi'"),
            writes,
        )
        cases[f"{command}-spec-xz-bomb"] = Case(
            lambda t, _m, argv=argv: argv(t, _file(t, "spec3.json.xz", xz_bomb())),
            ("spec3.json.xz", "decompresses to more than 67108864 bytes"),
            writes,
        )
    return cases


_bomb: list[bytes] = []


def xz_bomb() -> bytes:
    """10 KB of xz that decompresses to 65 MiB (one JSON string of spaces)."""
    if not _bomb:
        _bomb.append(lzma.compress(b'{"openapi": "' + b" " * (65 << 20), preset=0))
    return _bomb[0]


def _object_cases() -> dict[str, Case]:
    objects = {
        "object-3000": nested_object(3000),
        "list-3000": nested_list(3000),
        "metadata-300": json.dumps(customer())[:-1] + ', "metadata": ' + nested_object(300) + "}",
        "list-of-objects-150": "["
        + json.dumps(customer(metadata={}))
        + ", "
        + nested_list(150)
        + "]",
    }
    cases = {
        f"validate-nested-{name}": Case(
            lambda t, _m, text=text: ["validate", *FULL, _file(t, "deep.json", text)],
            ("deep.json", "nested more than 100 levels deep"),
        )
        for name, text in objects.items()
    }
    cases["validate-duplicate-key"] = Case(
        lambda t, _m: ["validate", *FULL, _file(t, "dup.json", '{"id": "cus_1", "id": "cus_2"}')],
        ("dup.json", "duplicate key 'id'"),
    )
    upgrade = ["upgrade-check", "--from", SPEC]
    cases["upgrade-check-nested-json"] = Case(
        lambda t, _m: [*upgrade, _file(t, "deep.json", nested_object(3000))],
        ("deep.json", "nested more than 100 levels deep"),
    )
    cases["upgrade-check-duplicate-key"] = Case(
        lambda t, _m: [*upgrade, _file(t, "dup.json", '{"id": "cus_1", "id": "cus_2"}')],
        ("dup.json", "duplicate key 'id'"),
    )
    cases["upgrade-check-not-a-cassette"] = Case(
        lambda t, _m: [*upgrade, _file(t, "notes.yaml", "title: not a cassette\n")],
        ("notes.yaml",),
    )
    cases["upgrade-check-deep-response-body"] = Case(
        lambda t, _m: [
            *upgrade,
            _file(
                t,
                "c.json",
                json.dumps(
                    {
                        "interactions": [
                            {
                                "request": {"method": "GET", "uri": "https://api.stripe.com/v1/x"},
                                "response": {"status": {"code": 200}, "body": nested_list(300)},
                            }
                        ]
                    }
                ),
            ),
        ],
        ("c.json: interaction 0: response body", "nested more than 100 levels deep"),
    )
    cases["upgrade-check-bad-request-form"] = Case(
        lambda t, _m: [
            *upgrade,
            _file(
                t,
                "c.json",
                json.dumps(
                    {
                        "interactions": [
                            {
                                "request": {
                                    "method": "POST",
                                    "uri": "https://api.stripe.com/v1/customers",
                                    "body": "email=a&email=b",
                                },
                                "response": {"status": {"code": 200}, "body": "{}"},
                            }
                        ]
                    }
                ),
            ),
        ],
        ("c.json: interaction 0: request:", "email"),
    )
    cases["upgrade-check-same-version"] = Case(
        lambda t, _m: [*upgrade, "--to", SPEC, _file(t, "c.json", "{}")],
        ("same API version (2023-08-16)",),
    )
    cases["upgrade-check-missing-path"] = Case(
        lambda t, _m: [*upgrade, str(t / "nowhere")],
        ("nowhere: no such file or directory",),
    )
    cassette = {"interactions": [], "version": 1}
    cases["cassette-check-nested-json"] = Case(
        lambda t, _m: ["cassette", "check", *FULL, _file(t, "c.json", nested_object(3000))],
        ("c.json", "nested more than 100 levels deep"),
    )
    cases["cassette-check-nested-yaml"] = Case(
        lambda t, _m: ["cassette", "check", *FULL, _file(t, "c.yaml", nested_list(100_000))],
        ("c.yaml", "nested more than 100 levels deep"),
    )
    cases["cassette-check-duplicate-key"] = Case(
        lambda t, _m: [
            "cassette",
            "check",
            *FULL,
            _file(t, "c.json", json.dumps(cassette)[:-1] + ', "version": 1}'),
        ],
        ("c.json", "duplicate key 'version'"),
    )
    return cases


def _disk(error: int) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """The file system refuses: every new file or directory (full disk: the data is lost at
    fsync, as delayed allocation reports it; read-only: nothing can be created)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(error, os.strerror(error))

    def patch(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        if error == errno.ENOSPC:
            monkeypatch.setattr(os, "fsync", refuse)
        else:
            monkeypatch.setattr(tempfile, "mkstemp", refuse)
            monkeypatch.setattr(tempfile, "mkdtemp", refuse)

    return patch


def _disk_cases() -> dict[str, Case]:
    writers: dict[str, tuple[Callable[[Path], list[str]], str]] = {
        "generate": (lambda t: ["generate", "signup", *FULL, "--out", str(t / "out")], "out"),
        "generate-all": (lambda t: ["generate", "--all", *FULL, "--out", str(t / "out")], "out"),
        "cassette-synthesize": (
            lambda t: ["cassette", "synthesize", "signup", *FULL, "--out", str(t / "c.yaml")],
            "c.yaml",
        ),
        "export-cli-fixture": (
            lambda t: ["export-cli-fixture", "renewal", *FULL, "--out", str(t / "f.json")],
            "f.json",
        ),
    }
    cases: dict[str, Case] = {}
    for error, label in ((errno.ENOSPC, "full"), (errno.EROFS, "read-only")):
        for command, (argv, out) in writers.items():

            def args(t: Path, m: pytest.MonkeyPatch, argv: Any = argv, error: int = error) -> Any:
                command_line = argv(t)
                _disk(error)(t, m)
                return command_line

            cases[f"{command}-disk-{label}"] = Case(
                args, (out, f"cannot write {{tmp}}/{out}: {os.strerror(error)}"), (out,)
            )
    return cases


#: Commands taking --trial-days / --currency: name -> (argv before the option, output).
WRITERS: dict[str, tuple[list[str], str]] = {
    "generate-subscription": (["generate", "subscription", "--status", "trialing"], "out"),
    "generate-trial": (["generate", "trial"], "out"),
    "generate-renewal": (["generate", "renewal"], "out"),
    "export-cli-fixture-trial": (["export-cli-fixture", "trial"], "f.json"),
    "export-cli-fixture-renewal": (["export-cli-fixture", "renewal"], "f.json"),
}


def _option_case(writer: str, option: str, value: str, says: tuple[str, ...]) -> Case:
    head, out = WRITERS[writer]
    return Case(lambda t, _m: [*head, *FULL, option, value, "--out", str(t / out)], says, (out,))


def _argument_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for days in ("1000000000", "731", "0", "-3"):
        for writer in ("generate-subscription", "generate-trial", "export-cli-fixture-trial"):
            says = (f"trial_days={days}", "from 1 to 730")
            cases[f"{writer}-trial-days-{days}"] = _option_case(writer, "--trial-days", days, says)
    for currency in ("", "zzz", "US", "usdx"):
        for writer in ("generate-subscription", "generate-renewal", "export-cli-fixture-renewal"):
            says = (f"currency={currency.lower()!r}", "docs.stripe.com/currencies")
            cases[f"{writer}-currency-{currency or 'empty'}"] = _option_case(
                writer, "--currency", currency, says
            )
    secret_says = ("webhook signing secret #0", "not valid UTF-8")
    cases["sign-secret-not-utf8"] = Case(
        lambda t, _m: ["sign", "--secret", NOT_UTF8, "--timestamp", "1", _file(t, "p.json", "{}")],
        secret_says,
    )
    cases["verify-secret-not-utf8"] = Case(
        lambda t, _m: [
            "verify",
            "--secret",
            NOT_UTF8,
            "--header",
            "t=1,v1=00",
            _file(t, "p.json", "{}"),
        ],
        secret_says,
    )
    cases["generate-webhook-secret-not-utf8"] = Case(
        lambda t, _m: [
            "generate",
            "signup",
            *FULL,
            "--webhook-secret",
            NOT_UTF8,
            "--out",
            str(t / "out"),
        ],
        secret_says,
        ("out",),
    )
    return cases


def _in_project(lock: JSON) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """Run in a project whose only spec source is `schemas/stripe-spec.lock.json`."""

    def enter(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        (tmp / "schemas").mkdir()
        (tmp / "schemas" / "stripe-spec.lock.json").write_text(json.dumps(lock))
        monkeypatch.chdir(tmp)
        monkeypatch.delenv(_sources.ENV_VAR, raising=False)

        def no_network(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a bad lock must be refused before any download")

        import urllib.request

        monkeypatch.setattr(urllib.request, "urlopen", no_network)

    return enter


def _lock_cases() -> dict[str, Case]:
    digest = "0" * 64
    locks = {
        "no-scheme": ({"url": "example.com/spec3.json", "sha256": digest}, "is not an http(s) URL"),
        "file-url": ({"url": "file:///etc/passwd", "sha256": digest}, "is not an http(s) URL"),
        "no-host": ({"url": "https:///spec3.json", "sha256": digest}, "is not an http(s) URL"),
        "bad-sha256": ({"url": "https://example.com/s.json", "sha256": "xyz"}, "64 hexadecimal"),
    }
    commands: dict[str, Callable[[Path], list[str]]] = {
        "specs": lambda t: ["specs"],
        "validate": lambda t: ["validate", _file(t, "c.json", "{}")],
        "generate": lambda t: ["generate", "signup", "--out", str(t / "out")],
    }
    cases: dict[str, Case] = {}
    for name, (lock, says) in locks.items():
        for command, argv in commands.items():

            def args(t: Path, m: pytest.MonkeyPatch, argv: Any = argv, lock: Any = lock) -> Any:
                _in_project(lock)(t, m)
                return argv(t)

            cases[f"{command}-lock-{name}"] = Case(args, ("stripe-spec.lock.json", says), ("out",))
    return cases


#: The issue's catalog: one recurring price per interval for Standard (1500) and Advanced.
ISSUE_CATALOG = (
    Path(__file__).resolve().parent.parent / "examples" / "scenario_files" / "catalog.yaml"
).read_text()


#: Where each command given a catalog writes (what must not appear on an error).
OUT = {"cassette": "c.yaml", "export-cli-fixture": "f.json"}


def _catalog_cases() -> dict[str, Case]:
    """`--catalog FILE` for the named flows: a catalog that lacks the price a flow needs, an
    option it contradicts, a file that cannot be read or is misspelt."""

    def argv(command: list[str], catalog: str = ISSUE_CATALOG, *extra: str) -> Any:
        def args(t: Path, _m: pytest.MonkeyPatch) -> list[str]:
            path = _file(t, "catalog.yaml", catalog)
            out = ["--out", str(t / OUT.get(command[0], "out"))]
            return [*command, "--catalog", path, *FULL, *extra, *out]

        return args

    def unreadable(t: Path, _m: pytest.MonkeyPatch) -> list[str]:
        return ["generate", "renewal", "--catalog", f"{t}/nope.yaml", *FULL, "--out", f"{t}/out"]

    def unreadable_fixture(t: Path, _m: pytest.MonkeyPatch) -> list[str]:
        nope, out = f"{t}/nope.yaml", f"{t}/f.json"
        return ["export-cli-fixture", "signup", "--catalog", nope, *FULL, "--out", out]

    lower = ("{tmp}/catalog.yaml", "no recurring price lower than 'standard_monthly'")
    one_time = ("{tmp}/catalog.yaml", "has no one-time (no `recurring`) price to bill")
    return {
        "generate-catalog-no-lower-price": Case(argv(["generate", "downgrade"]), lower, ("out",)),
        "generate-catalog-no-one-time-price": Case(
            argv(["generate", "one-off-invoice"]), one_time, ("out",)
        ),
        "cassette-synthesize-catalog-no-lower-price": Case(
            argv(["cassette", "synthesize", "downgrade"]), lower, ("c.yaml",)
        ),
        "generate-catalog-with-currency": Case(
            argv(["generate", "signup"], ISSUE_CATALOG, "--currency", "eur"),
            ("--currency eur does not apply with --catalog",),
            ("out",),
        ),
        "generate-catalog-with-all": Case(
            argv(["generate", "--all"]), ("--catalog applies to one SCENARIO",), ("out",)
        ),
        "generate-catalog-misspelt-key": Case(
            argv(["generate", "signup"], ISSUE_CATALOG.replace("prices:", "prises:")),
            ("{tmp}/catalog.yaml", "unknown key 'prises'"),  # the hint: did you mean 'prices'?
            ("out",),
        ),
        "generate-catalog-unreadable": Case(
            unreadable,
            ("cannot read {tmp}/nope.yaml",),
            ("out",),
        ),
        "generate-catalog-misspelt-feature": Case(
            argv(
                ["generate", "signup"],
                ISSUE_CATALOG.replace("features: [basic_features]", "features: [basic_feature]"),
            ),
            ("{tmp}/catalog.yaml", "'basic_feature' is not a feature of the catalog"),
            ("out",),
        ),
        "export-cli-fixture-catalog-no-lower-price": Case(
            argv(["export-cli-fixture", "downgrade"]), lower, ("f.json",)
        ),
        "export-cli-fixture-catalog-no-one-time-price": Case(
            argv(["export-cli-fixture", "one-off-invoice"]), one_time, ("f.json",)
        ),
        "export-cli-fixture-catalog-with-currency": Case(
            argv(["export-cli-fixture", "signup"], ISSUE_CATALOG, "--currency", "eur"),
            ("--currency eur does not apply with --catalog",),
            ("f.json",),
        ),
        "export-cli-fixture-catalog-misspelt-key": Case(
            argv(["export-cli-fixture", "signup"], ISSUE_CATALOG.replace("prices:", "prises:")),
            ("{tmp}/catalog.yaml", "unknown key 'prises'"),
            ("f.json",),
        ),
        "export-cli-fixture-catalog-misspelt-lookup-key": Case(
            argv(
                ["export-cli-fixture", "signup"],
                ISSUE_CATALOG.replace("features: [basic_features]", "features: [basic_feature]"),
            ),
            ("{tmp}/catalog.yaml", "basic_feature"),
            ("f.json",),
        ),
        "export-cli-fixture-catalog-unreadable": Case(
            unreadable_fixture, ("cannot read {tmp}/nope.yaml",), ("f.json",)
        ),
    }


CATALOGUE: dict[str, Case] = {
    **_catalog_cases(),
    **_spec_cases(),
    **_object_cases(),
    **_disk_cases(),
    **_argument_cases(),
    **_lock_cases(),
}


PROGRESS = re.compile(r"\[\d+/\d+\] ")  # generate --all's progress, one line per scenario


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_bad_input_exits_2_with_one_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CATALOGUE[name]
    argv = case.args(tmp_path, monkeypatch)
    before = snapshot(tmp_path)
    code = main(argv)
    out, err = capsys.readouterr()
    monkeypatch.undo()
    lines = [line for line in err.splitlines() if not PROGRESS.match(line)]
    assert code == 2, (code, out, err)
    assert len(lines) in (1, 2), err
    assert lines[0].startswith("stripe-contracts: error: "), err
    assert len(lines) == 1 or lines[1].startswith("  hint: "), err
    for expected in case.says:
        assert expected.replace("{tmp}", str(tmp_path)) in lines[0], (expected, lines[0])
    assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path) == before
    for output in case.writes:
        assert not (tmp_path / output).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def _commands() -> list[str]:
    """Every command of the CLI, `cassette`'s actions as `cassette-<action>`."""
    import argparse

    from stripe_contracts.cli import _parser

    def choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return dict(action.choices)

    found = []
    for name, sub in choices(_parser()).items():
        has_actions = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
        found.extend([f"{name}-{action}" for action in choices(sub)] if has_actions else [name])
    return found


#: Commands that read no input and write nothing: nothing to feed them.
NO_INPUT = {"scenarios"}


def test_the_catalogue_covers_every_command() -> None:
    missing = [
        command
        for command in _commands()
        if command not in NO_INPUT and not any(name.startswith(f"{command}-") for name in CATALOGUE)
    ]
    assert missing == [], (
        f"add bad-input cases for {missing} to CATALOGUE (every command that reads a spec "
        "belongs in SPEC_COMMANDS), or list a command that reads nothing in NO_INPUT"
    )


@pytest.mark.parametrize(
    "name",
    [
        "validate-nested-object-3000",
        "cassette-check-nested-yaml",
        "generate-spec-properties-a-list",
    ],
)
def test_no_traceback_from_the_installed_command(name: str, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        argv = CATALOGUE[name].args(tmp_path, monkeypatch)
    result = subprocess.run(
        [sys.executable, "-m", "stripe_contracts", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("stripe-contracts: error: ")


# -- a directory of cassettes with a stray file ---------------------------------------------------


@pytest.fixture
def cassette_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "cassettes"
    assert (
        main(["cassette", "synthesize", "signup", *FULL, "--out", str(directory / "a.yaml")]) == 0
    )
    return directory


def test_a_stray_file_in_a_cassette_directory_is_skipped_with_a_note(
    cassette_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cassette_dir / "notes.json").write_text('{"todo": "record renewal"}')
    (cassette_dir / "list.yaml").write_text("- one\n- two\n")
    capsys.readouterr()
    code = main(["cassette", "check", *FULL, str(cassette_dir)])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert "a.yaml" in out and "all valid" in out
    assert sorted(err.splitlines()) == [
        f"stripe-contracts: skipped {cassette_dir / 'list.yaml'} is not a cassette (no "
        "`interactions` list)",
        f"stripe-contracts: skipped {cassette_dir / 'notes.json'} is not a cassette (no "
        "`interactions` list)",
    ]


def test_a_damaged_cassette_in_a_directory_does_not_stop_the_others(
    cassette_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cassette_dir / "broken.yaml").write_bytes(b"interactions: [\xff")
    capsys.readouterr()
    code = main(["cassette", "check", *FULL, "--format", "json", str(cassette_dir)])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"stripe-contracts: error: cannot read cassette {cassette_dir}/broken")
    assert [c["path"] for c in report["cassettes"]] == [str(cassette_dir / "a.yaml")]
    assert report["cassettes"][0]["valid"] is True
    assert report["unreadable"] == [str(cassette_dir / "broken.yaml")] and not report["valid"]


def test_a_stray_file_named_on_the_command_line_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.json"
    path.write_text("{}")
    assert main(["cassette", "check", *FULL, str(path)]) == 2
    assert f"{path} is not a cassette" in capsys.readouterr().err


# -- the parsed-spec cache never serves a stale spec ----------------------------------------------


def _edit_keeping_mtime_and_size(path: Path, version: str) -> None:
    """Rewrite `path` in place with another `info.version` of the same length, and put its
    mtime back: size, mtime and path are all what they were."""
    before = path.stat()
    spec = small_spec()
    spec["info"]["version"] = version
    text = json.dumps(spec)
    assert len(text) == before.st_size
    with open(path, "r+") as handle:  # in place: same inode
        handle.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_an_edit_that_keeps_mtime_and_size_is_seen(tmp_path: Path) -> None:
    from stripe_contracts.spec import load_spec

    path = tmp_path / "spec.json"
    path.write_text(json.dumps(small_spec()))
    assert load_spec(path).api_version == "2023-08-16"
    _edit_keeping_mtime_and_size(path, "2099-12-31")
    assert load_spec(path).api_version == "2099-12-31"


def test_an_old_file_replaced_by_one_with_its_mtime_and_size_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a file is old enough for its stat to be trusted, a replacement with the same path,
    size and mtime still differs in inode and ctime."""
    import time

    from stripe_contracts.spec import _documents, load_spec

    path = tmp_path / "spec.json"
    path.write_text(json.dumps(small_spec()))
    monkeypatch.setattr(time, "time", lambda: path.stat().st_ctime + 60)  # an hour-old file
    assert load_spec(path).api_version == "2023-08-16"
    assert any(key[0] == str(path) for key in _documents._in_process)  # trusted: by stat
    before = path.stat()
    spec = small_spec()
    spec["info"]["version"] = "2099-12-31"
    (tmp_path / "new.json").write_text(json.dumps(spec))
    os.utime(tmp_path / "new.json", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(tmp_path / "new.json", path)
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert load_spec(path).api_version == "2099-12-31"


# -- bundle directories are readable by others -----------------------------------------------------


def test_bundle_directories_are_not_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(["generate", "signup", *FULL, "--out", str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    for directory in [tmp_path / "out", *(p for p in (tmp_path / "out").rglob("*") if p.is_dir())]:
        assert directory.stat().st_mode & 0o777 == 0o755, directory
    for path in (tmp_path / "out").rglob("*.json"):
        assert path.stat().st_mode & 0o777 == 0o644, path


# -- validate's report: bounded by the violations, NaN named ---------------------------------------


def test_a_json_report_does_not_copy_the_object_per_required_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import fixtures_for, spec_for

    invoice = dict(fixtures_for("2023-08-16")["invoice"])
    invoice["metadata"] = {f"key{i}": "v" * 480 for i in range(2100)}  # a 1 MB invoice
    required = spec_for("2023-08-16").schema("invoice")["required"]
    missing = [k for k in required if k not in ("id", "object", "metadata")][:20]
    for name in missing:
        del invoice[name]
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(invoice))
    assert path.stat().st_size > 1_000_000
    assert main(["validate", *FULL, "--format", "json", str(path)]) == 1
    out = capsys.readouterr().out
    violations = json.loads(out)["files"][0]["objects"][0]["violations"]
    assert sorted(v["pointer"] for v in violations) == sorted(f"/{k}" for k in missing)
    assert all(v["actual"] is None for v in violations)  # nothing is there
    assert len(out) < 20_000  # it was 20 copies of the invoice: 21 MB


def test_nan_is_reported_as_nan_and_the_report_stays_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "customer.json"
    path.write_text('{"id": "cus_1", "object": "customer", "balance": NaN}')
    assert main(["validate", *FULL, str(path)]) == 1
    assert "at /balance: NaN is not of type integer" in capsys.readouterr().out
    assert main(["validate", *FULL, "--format", "json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
    [balance] = [
        v for v in report["files"][0]["objects"][0]["violations"] if v["pointer"] == "/balance"
    ]
    assert balance["actual"] == "NaN" and "NaN is not of type integer" in balance["message"]
