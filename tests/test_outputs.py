"""No command replaces what is not a regular file: a FIFO, a symlink, a device such as
/dev/stdout stays exactly as it was, with or without --force (issue 14, item 1)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts._files import UnsafeOutput, write_atomic
from stripe_contracts.cli import main

SPEC_ARGS = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]
COMMANDS = {
    "cassette synthesize": ["cassette", "synthesize", "signup", *SPEC_ARGS],
    "export-cli-fixture": ["export-cli-fixture", "signup", *SPEC_ARGS],
}


def fifo(path: Path) -> Callable[[], object]:
    os.mkfifo(path)
    return lambda: stat.S_ISFIFO(os.lstat(path).st_mode)


def symlink(path: Path) -> Callable[[], object]:
    (path.parent / "real.json").write_bytes(b"")  # empty: what write_atomic treated as absent
    path.symlink_to("real.json")
    real = path.parent / "real.json"
    return lambda: os.readlink(path) == "real.json" and real.read_bytes() == b""


def dangling_symlink(path: Path) -> Callable[[], object]:
    path.symlink_to("nowhere.json")
    return lambda: os.readlink(path) == "nowhere.json" and not os.path.exists(path)


NODES = {"fifo": fifo, "symlink": symlink, "dangling symlink": dangling_symlink}


def one_error_line(err: str) -> str:
    """The error line of a refusal: one `error:` line (plus the usual hint), no traceback."""
    lines = err.splitlines()
    assert "Traceback" not in err
    assert len(lines) <= 2 and lines[0].startswith("stripe-contracts: error: "), err
    assert all(line.startswith("  hint: ") for line in lines[1:]), err
    return lines[0]


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("force", [False, True], ids=["", "--force"])
def test_commands_never_replace_a_node_that_is_not_a_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], node: str, command: str, force: bool
) -> None:
    out = tmp_path / "out.json"
    untouched = NODES[node](out)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main([*COMMANDS[command], "--out", str(out), *(["--force"] if force else [])])
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(out) in line
    assert untouched()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary left either


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("replace", [False, True])
def test_write_atomic_refuses_a_node_that_is_not_a_regular_file(
    tmp_path: Path, node: str, replace: bool
) -> None:
    """The pytest plugin saves cassettes through write_atomic: the same refusal holds there."""
    out = tmp_path / "c.yaml"
    untouched = NODES[node](out)
    with pytest.raises(UnsafeOutput, match="not a regular file"):
        write_atomic(out, "interactions: []\n", replace=replace)
    assert untouched()


def test_write_atomic_refuses_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(UnsafeOutput, match="is a directory"):
        write_atomic(tmp_path / "d", "x")
    assert (tmp_path / "d").is_dir()
