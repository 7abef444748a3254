"""`generate --out` replaces only what it checked: a directory that appears or changes while the
bundle is written survives and the run exits 2; temporaries of killed runs never block the
next one; the files are synced before they are renamed into place (issue 14, item 3)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import EXCERPT, SHARED
from stripe_contracts import _dirs, export
from stripe_contracts.cli import main

SPEC_ARGS = ["--spec", str(SHARED / "spec3.2023-08-16.json"), "--spec", str(EXCERPT)]


def generate(out: Path, *extra: str) -> int:
    return main(["generate", "subscription", *SPEC_ARGS, "--out", str(out), *extra])


def seed_of(bundle: Path) -> int:
    return int(json.loads((bundle / "manifest.json").read_text())["seed"])


@pytest.fixture(params=["renameat2", "plain rename"])
def renames(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of putting a bundle in place: Linux's renameat2, and the portable fallback."""
    if request.param == "plain rename":
        monkeypatch.setattr(_dirs, "_renameat2", lambda: None)
    else:
        assert _dirs._renameat2() is not None
    return str(request.param)


@pytest.fixture
def between(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[[Path], None]]]:
    """Actions run after the check and the writes, just before the final rename."""
    actions: list[Callable[[Path], None]] = []
    write_tree = export.write_tree

    def write_then_act(root: Path, files: dict[str, bytes]) -> None:
        write_tree(root, files)
        for action in actions:
            action(root)

    monkeypatch.setattr(export, "write_tree", write_then_act)
    yield actions


def others(directory: Path, *names: str) -> list[str]:
    """Entries of `directory` besides `names`: temporaries a run left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name not in names)


def test_a_directory_created_in_between_survives(
    tmp_path: Path, renames: str, between: list[Callable[[Path], None]]
) -> None:
    out = tmp_path / "b"

    def create(_: Path) -> None:
        out.mkdir()
        (out / "mine.txt").write_text("user data")

    between.append(create)
    assert generate(out) == 2
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert others(tmp_path, "b") == []


def test_an_empty_directory_created_in_between_survives(
    tmp_path: Path, renames: str, between: list[Callable[[Path], None]]
) -> None:
    out = tmp_path / "b"
    inode: list[int] = []
    between.append(lambda _: (out.mkdir(), inode.append(out.stat().st_ino)))
    assert generate(out) == 2
    assert out.stat().st_ino == inode[0] and list(out.iterdir()) == []
    assert others(tmp_path, "b") == []


@pytest.mark.parametrize("change", ["replaced", "filled"])
def test_an_empty_out_that_changes_in_between_survives(
    tmp_path: Path,
    renames: str,
    between: list[Callable[[Path], None]],
    capsys: pytest.CaptureFixture[str],
    change: str,
) -> None:
    out = tmp_path / "b"
    out.mkdir()

    def act(_: Path) -> None:
        if change == "replaced":
            out.rmdir()
            out.mkdir()
        (out / "mine.txt").write_text("user data")

    between.append(act)
    assert generate(out) == 2
    assert f"--out {out}" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "user data"
    assert others(out, "mine.txt") == [] and others(tmp_path, "b") == []


def test_force_replaces_only_the_bundle_it_checked(
    tmp_path: Path, renames: str, between: list[Callable[[Path], None]]
) -> None:
    out, moved = tmp_path / "b", tmp_path / "moved"
    assert generate(out, "--seed", "1") == 0

    def swap(_: Path) -> None:
        out.rename(moved)
        out.mkdir()
        (out / "manifest.json").write_text('{"seed": 2}')

    between.append(swap)
    assert generate(out, "--seed", "3", "--force") == 2
    assert seed_of(out) == 2 and seed_of(moved) == 1
    assert others(tmp_path, "b", "moved") == []


def test_of_two_concurrent_runs_only_one_succeeds(
    tmp_path: Path, renames: str, between: list[Callable[[Path], None]]
) -> None:
    out = tmp_path / "b"
    codes: list[int] = []
    second = [lambda _: codes.append(generate(out, "--seed", "2"))]
    between.append(lambda _: second.pop()(_) if second else None)  # once, not recursively
    codes.insert(0, generate(out, "--seed", "1"))
    assert codes == [2, 0]  # the first to rename wins; the other says so
    assert seed_of(out) == 2
    assert others(tmp_path, "b") == []


def test_force_replace_keeps_a_whole_bundle_at_out_at_every_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With renameat2 the replace is one exchange: --out never lacks a bundle, even if the
    run is killed between any two steps."""
    out = tmp_path / "b"
    assert generate(out, "--seed", "1") == 0
    seeds: list[int] = []
    rename = _dirs._rename

    def checked(source: Path, destination: Path, flags: int) -> bool:
        seeds.append(seed_of(out))
        done = rename(source, destination, flags)
        seeds.append(seed_of(out))
        return done

    monkeypatch.setattr(_dirs, "_rename", checked)
    assert generate(out, "--seed", "2", "--force") == 0
    assert seeds == [1, 2]
    assert others(tmp_path, "b") == []


def test_without_renameat2_a_killed_replace_leaves_the_old_bundle_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented fallback: killed between the two renames, the old bundle waits in
    `.b.*.old` (never cleaned up automatically) and the next run is not blocked."""
    out = tmp_path / "b"
    assert generate(out, "--seed", "1") == 0
    monkeypatch.setattr(_dirs, "_renameat2", lambda: None)
    rename = os.rename

    def killed_after_the_first(source: str, destination: str) -> None:
        rename(source, destination)
        if str(destination).endswith(".old"):
            raise KeyboardInterrupt  # as if killed: nothing after this runs

    monkeypatch.setattr(_dirs.os, "rename", killed_after_the_first)
    with pytest.raises(KeyboardInterrupt):
        generate(out, "--seed", "2", "--force")
    monkeypatch.setattr(_dirs.os, "rename", rename)
    [aside] = tmp_path.glob(".b.*.old")
    assert seed_of(aside) == 1
    assert generate(out, "--seed", "3") == 0 and seed_of(out) == 3
    assert others(tmp_path, "b") == [aside.name]


def test_temporaries_of_killed_runs_are_removed_and_never_block(tmp_path: Path) -> None:
    out = tmp_path / "b"
    dead, live, young = (tmp_path / f".b.{name}.tmp" for name in ("dead", "live", "young"))
    for directory in (dead, live, young):
        directory.mkdir()
        (directory / "manifest.json").write_text("{}")
    for directory in (dead, live):
        os.utime(directory, (0, 0))  # untouched for long
    held = os.open(live, os.O_RDONLY)  # a run still going holds its lock
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert generate(out) == 0
    finally:
        os.close(held)
    assert not dead.exists() and live.exists() and young.exists()
    assert others(tmp_path, "b") == [live.name, young.name]


def test_every_file_and_directory_is_synced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: set[str] = set()
    at_rename: list[tuple[set[str], set[str]]] = []
    fsync, put_in_place = os.fsync, export.put_in_place

    def recording_fsync(fd: int) -> None:
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    def recording_put_in_place(staging: Path, out: Path, seen: object) -> None:
        tree = {str(staging), *(str(p) for p in staging.rglob("*"))}
        at_rename.append((tree, set(synced)))
        put_in_place(staging, out, seen)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(export, "put_in_place", recording_put_in_place)
    assert generate(tmp_path / "b") == 0
    [(tree, synced_then)] = at_rename
    assert len(tree) > 3 and tree <= synced_then
    assert str(tmp_path) in synced  # and the rename itself, through its directory
