"""Files on disk, safely: the one way files are written (atomically, never over an existing
file unless asked, never over anything that is not a regular file), and the one way an input
file of bounded size is read."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from stripe_contracts.errors import StripeContractsError

#: What `lstat` says a path is, for everything that is not a regular file.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


#: The most a payload file (`sign`, `verify`) may hold. A webhook payload is one event, a few
#: KB and rarely more than a few hundred; 16 MiB is ample, and keeps /dev/zero or a mistaken
#: multi-gigabyte file from being read into memory.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024


class UnusableInput(StripeContractsError):
    """An input file that cannot or must not be read."""

    @classmethod
    def unreadable(cls, path: str, reason: str) -> UnusableInput:
        return cls(f"{path}: cannot read: {reason}", hint="pass the path of a readable file")

    @classmethod
    def not_regular_file(cls, path: str, kind: str) -> UnusableInput:
        return cls(
            f"{path} is {kind}, not a regular file; refusing to read it",
            hint="save the input to a file first and pass that file's path",
        )

    @classmethod
    def too_big(cls, path: str, limit: int) -> UnusableInput:
        return cls(
            f"{path} is larger than {limit} bytes; refusing to read it",
            hint="pass the file holding the one payload to sign or verify",
        )


class UnsafeOutput(StripeContractsError):
    """An output path that must not be written, whatever `--force` says."""

    @classmethod
    def not_regular_file(cls, path: str, kind: str) -> UnsafeOutput:
        return cls(
            f"{path} is {kind}, not a regular file; refusing to replace it",
            hint="give the path of a regular file (or of none yet); outputs are never "
            "written over devices, pipes, sockets or symlinks, even with --force",
        )


class UnwritableOutput(StripeContractsError):
    """The file system refused a write (full, read-only, no permission); nothing was left
    behind."""

    @classmethod
    def at(cls, path: str | os.PathLike[str], exc: OSError) -> UnwritableOutput:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return cls(
            f"cannot write {os.fspath(path)}: {reason}",
            hint="free some space or choose a location you can write to; nothing was written",
        )


def existing_regular_file(path: str | os.PathLike[str]) -> os.stat_result | None:
    """The `lstat` of `path` if it is a regular file, None if nothing is there.

    Anything else (a symlink, FIFO, device such as /dev/stdout, socket, directory) raises
    `UnsafeOutput`: replacing it by renaming a file over it would destroy the node itself.
    """
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(found.st_mode):
        return found
    raise UnsafeOutput.not_regular_file(os.fspath(path), _kind(found.st_mode))


def read_regular_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The bytes of the regular file at `path` (through symlinks), at most `limit` of them.

    Devices (/dev/zero), FIFOs, sockets and directories are refused before anything is read,
    and so is a file larger than `limit`: `UnusableInput` either way.
    """
    shown = os.fspath(path)
    try:  # O_NONBLOCK: opening a FIFO with no writer must not hang; no effect on files
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnusableInput.unreadable(shown, exc.strerror or type(exc).__name__) from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise UnusableInput.not_regular_file(shown, _kind(found.st_mode))
        if found.st_size > limit:
            raise UnusableInput.too_big(shown, limit)
        chunks, size = [], 0
        while size <= limit:  # read to the end, or one byte past the limit: it may have grown
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnusableInput.unreadable(shown, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)
    if size > limit:
        raise UnusableInput.too_big(shown, limit)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, replace: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same directory.

    Readers see the old file or the whole new one, never a part. With `replace=False` an
    existing non-empty file is left alone and `FileExistsError` is raised - atomically, so two
    processes writing the same file cannot both win. An empty regular file counts as no file.
    A `path` that exists and is not a regular file is refused (`UnsafeOutput`), even with
    `replace=True`. A write the file system refuses (full, read-only) raises
    `UnwritableOutput` and leaves no temporary file.
    """
    target = Path(path)
    existing_regular_file(target)
    try:
        _write_atomic(target, data.encode("utf-8") if isinstance(data, str) else data, replace)
    except FileExistsError:
        raise
    except OSError as exc:
        raise UnwritableOutput.at(target, exc) from None


def _write_atomic(target: Path, data: bytes, replace: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would surprise whoever commits the file
        found = existing_regular_file(target)  # again: the slow write left time for a swap
        if replace:
            os.replace(temp, target)
            return
        if found is not None and found.st_size == 0:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
        try:
            os.link(temp, target)  # fails if the target exists: never clobbers
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then rename
            if os.path.lexists(target):
                raise FileExistsError(str(target)) from None
            os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
