from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED, fixtures_for
from stripe_contracts.cli import main

SPEC = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *SPEC, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_files_and_directories_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "customer.json").write_text(json.dumps(fixtures_for("2023-08-16")["customer"]))
    (tmp_path / "nested" / "both.json").write_text(
        json.dumps(
            [fixtures_for("2023-08-16")["invoice"], fixtures_for("2026")["entitlements.feature"]]
        )
    )
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0 and "3 objects in 2 files: all valid (Stripe API 2023-08-16;" in out


def test_json_report_lists_every_object_and_keeps_checking_after_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = dict(fixtures_for("2023-08-16")["customer"], balance="lots")
    path = tmp_path / "objects.json"
    path.write_text(
        json.dumps(
            [{"id": "x_1"}, {"object": "nonsense"}, customer, fixtures_for("2023-08-16")["price"]]
        )
    )
    code, out, _ = run(capsys, "--format", "json", str(path))
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and report["api_version"] == "2023-08-16"
    [entry] = report["files"]
    objects = entry["objects"]
    assert [o["index"] for o in objects] == [0, 1, 2, 3]
    assert [v["rule"] for v in objects[0]["violations"]] == ["object-type"]
    assert [v["rule"] for v in objects[1]["violations"]] == ["object-type"]
    assert [(v["pointer"], v["rule"]) for v in objects[2]["violations"]] == [("/balance", "type")]
    assert objects[3]["violations"] == [] and objects[3]["object"] == "price"
    assert "message" in objects[2]["violations"][0]


@pytest.mark.parametrize(
    ("content", "message"), [(b"{not json", "cannot read JSON"), (None, "no such file")]
)
def test_unreadable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "broken.json"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, str(path))
    assert code == 2 and message in err and "broken.json" in err


def test_an_unloadable_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "spec.json"
    bad.write_text("[]")
    (tmp_path / "c.json").write_text("{}")
    assert main(["validate", "--spec", str(bad), str(tmp_path / "c.json")]) == 2
    assert "is not an OpenAPI document" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["generate"],
        ["scenarios"],
        ["sign"],
        ["verify"],
        ["export-cli-fixture"],
        ["run-scenario"],
        ["cassette", "check"],
        ["cassette", "synthesize"],
    ],
    ids=" ".join,
)
def test_every_command_help_says_what_it_writes(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split()).lower()
    assert "writes nothing" in text or ("write" in text and ("file" in text or "dir" in text))
