"""`sign` and `verify` read one payload file: a regular file of at most 16 MiB. /dev/zero, a
FIFO or a huge file is a quick exit 2, never an out-of-memory crash (issue 14, item 5)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from stripe_contracts._files import MAX_PAYLOAD_BYTES
from stripe_contracts.cli import main

SIGN = ["sign", "--secret", "whsec_x", "--timestamp", "1700000000"]
VERIFY = ["verify", "--secret", "whsec_x", "--header", "t=1700000000,v1=ab", "--now", "1"]


def refused(capsys: pytest.CaptureFixture[str], path: Path | str, problem: str) -> None:
    """Exit 2 for both commands, quickly, with one error line naming the file."""
    for command in (SIGN, VERIFY):
        started = time.perf_counter()
        assert main([*command, str(path)]) == 2
        assert time.perf_counter() - started < 5
        out, err = capsys.readouterr()
        assert out == "" and "Traceback" not in err
        lines = err.splitlines()
        assert lines[0].startswith(f"stripe-contracts: error: {path}") and problem in lines[0]
        assert all(line.startswith("  hint: ") for line in lines[1:])


def test_dev_zero_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    refused(capsys, "/dev/zero", "is a character device, not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "pipe")
    refused(capsys, tmp_path / "pipe", "is a FIFO (named pipe), not a regular file")


def test_a_directory_and_a_missing_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(capsys, tmp_path, "is a directory, not a regular file")
    refused(capsys, tmp_path / "missing.json", "cannot read: No such file or directory")


def test_a_payload_over_16_mib_is_refused_and_up_to_it_is_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert MAX_PAYLOAD_BYTES == 16 * 1024 * 1024
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_PAYLOAD_BYTES + 1)  # sparse: costs no disk
    refused(capsys, big, f"is larger than {MAX_PAYLOAD_BYTES} bytes")
    with big.open("r+b") as handle:
        handle.truncate(MAX_PAYLOAD_BYTES)
    assert main([*SIGN, str(big)]) == 0
    assert capsys.readouterr().out.startswith("t=1700000000,v1=")


def test_a_symlink_to_a_payload_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "event.json").write_bytes(b"{}")
    (tmp_path / "link.json").symlink_to("event.json")
    assert main([*SIGN, str(tmp_path / "link.json")]) == 0
    assert main([*SIGN, str(tmp_path / "event.json")]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first == second
