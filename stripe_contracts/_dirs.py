"""The one way a directory of files is put in place: staged beside it, synced, then swapped in
only if the target is still exactly what was checked.

`check_target` records what is at the target (nothing, or one directory's inode); the files
are written into `staging_beside(target)`, a locked `.<name>.<random>.tmp` sibling, and synced
(`write_tree`); `put_in_place` then moves them in and fails with `TargetChanged` if the target
is no longer what was checked. Nothing that appeared in between is ever deleted.

On Linux, `renameat2` makes the last step atomic: RENAME_NOREPLACE when there was nothing, so
a directory created in between makes the rename fail; RENAME_EXCHANGE when there was one, so
the old directory is swapped out in one step, checked to be the one we saw (else swapped
back), and only then removed. A kill at any moment leaves the target holding either the old
or the new tree, under its own name. Where `renameat2` is missing (other systems, some file
systems) the same checks are made just before plain renames; replacing a non-empty directory
then takes two renames, and a kill between them leaves the old tree in `.<name>.<random>.old`
beside the target, a name that is never cleaned up automatically so it can be renamed back.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from stripe_contracts.errors import StripeContractsError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, stale temporaries stay
    fcntl = None  # type: ignore[assignment]

_AT_FDCWD = -100
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
#: A temporary left by a run that no longer holds its lock, untouched this long, is stale.
_STALE_AFTER_SECONDS = 60


class TargetChanged(StripeContractsError):
    """The target changed between the check and the final rename; nothing was replaced."""

    @classmethod
    def at(cls, target: Path, what: str) -> TargetChanged:
        return cls(
            f"--out {target} {what} while the files were being written; it was left as it is "
            "and nothing was written there",
            hint="another process is writing to the same path: let it finish, then run again "
            "or choose another --out",
        )


@dataclass(frozen=True)
class Seen:
    """The directory found at the target when it was checked."""

    device: int
    inode: int
    empty: bool


def check_target(target: Path) -> Seen | None:
    """What is at `target`: None for nothing, `Seen` for a directory (not through a symlink).

    Anything else raises `StripeContractsError`; whether a non-empty directory may be
    replaced is the caller's decision.
    """
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(found.st_mode):
        raise StripeContractsError(
            f"--out {target} is a symbolic link; refusing to replace it",
            hint="pass the directory it points to, or a new directory path",
        )
    if not stat.S_ISDIR(found.st_mode):
        raise StripeContractsError(
            f"--out {target} is a file, not a directory", hint="choose a directory path for --out"
        )
    with os.scandir(target) as entries:
        empty = next(entries, None) is None
    return Seen(found.st_dev, found.st_ino, empty)


@contextlib.contextmanager
def staging_beside(target: Path) -> Iterator[Path]:
    """A new, locked `.<name>.<random>.tmp` directory beside `target`, removed on failure.

    Temporaries of earlier runs on the same target that no longer hold their lock (the run
    was killed) are removed first; those of a run still going are left alone.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    lock = os.open(staging, os.O_RDONLY) if fcntl is not None else None
    try:
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the bundle from other users
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative path -> bytes) under `root`, each file and directory synced."""
    directories = {root}
    for relative, data in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        directories.update(p for p in path.parents if p.is_relative_to(root))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
        _fsync_directory(directory)


def put_in_place(staging: Path, target: Path, seen: Seen | None) -> None:
    """Move `staging` to `target`, which must still be what `check_target` saw, else raise
    `TargetChanged` and leave `target` alone.

    `seen` None: `target` must still not exist. `seen` a directory: `target` must still be
    that directory (same inode); an empty one is replaced only while still empty, a non-empty
    one (the caller decided it may go) is removed after the swap.
    """
    if seen is None:
        _put_where_nothing_was(staging, target)
    elif _rename(staging, target, _RENAME_EXCHANGE):
        old = staging  # after the swap, staging's name holds what was at target
        if not (_is(old, seen) and (not seen.empty or _rmdir_if_empty(old))):
            _rename(staging, target, _RENAME_EXCHANGE)  # put theirs back
            raise TargetChanged.at(target, "was replaced or filled")
        shutil.rmtree(old, ignore_errors=True)  # a leftover is a stale .tmp, removed next run
    else:
        _replace_with_plain_renames(staging, target, seen)
    _fsync_directory(target.parent)


def _put_where_nothing_was(staging: Path, target: Path) -> None:
    try:
        if _rename(staging, target, _RENAME_NOREPLACE):
            return
        os.mkdir(target)  # exclusive: fails if anything appeared
    except FileExistsError:
        raise TargetChanged.at(target, "appeared") from None
    try:
        os.rename(staging, target)  # over our own empty directory; fails if it was filled
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(target)  # only while empty
        raise TargetChanged.at(target, "was filled") from None


def _replace_with_plain_renames(staging: Path, target: Path, seen: Seen) -> None:
    if not _is(target, seen):
        raise TargetChanged.at(target, "was replaced")
    if seen.empty:
        try:
            os.rename(staging, target)  # onto an empty directory only: fails if filled
        except OSError:
            raise TargetChanged.at(target, "was filled") from None
        return
    aside = target.parent / f".{target.name}.{secrets.token_hex(4)}.old"
    os.rename(target, aside)
    if not _is(aside, seen):
        os.rename(aside, target)
        raise TargetChanged.at(target, "was replaced")
    os.rename(staging, target)  # a kill just before this leaves the old tree in `aside`
    shutil.rmtree(aside, ignore_errors=True)


def _is(path: Path, seen: Seen) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(now.st_mode) and (now.st_dev, now.st_ino) == (seen.device, seen.inode)


def _rmdir_if_empty(path: Path) -> bool:
    try:
        os.rmdir(path)
    except OSError:
        return False
    return True


def _remove_stale(target: Path) -> None:
    if fcntl is None:
        return
    pattern = os.path.join(glob.escape(str(target.parent)), f".{glob.escape(target.name)}.*.tmp")
    for candidate in glob.glob(pattern):
        try:
            found = os.lstat(candidate)
            if not stat.S_ISDIR(found.st_mode):
                continue
            if time.time() - found.st_mtime < _STALE_AFTER_SECONDS:
                continue  # perhaps a run that has created it and not yet locked it
            fd = os.open(candidate, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a run still going holds it
        else:
            shutil.rmtree(candidate, ignore_errors=True)
        finally:
            os.close(fd)


Renameat2 = Callable[[int, bytes, int, bytes, int], int]


def _rename(source: Path, destination: Path, flags: int) -> bool:
    """renameat2(2) with `flags`; False where the system or the file system lacks it."""
    function = _renameat2()
    if function is None:
        return False
    result = function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(destination), flags)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(destination))


_found: list[Renameat2 | None] = []


def _renameat2() -> Renameat2 | None:
    if not _found:
        function: Renameat2 | None
        try:
            c_function = ctypes.CDLL(None, use_errno=True).renameat2
        except (AttributeError, OSError, TypeError):  # not Linux with glibc 2.28+
            function = None
        else:
            c_int, c_path = ctypes.c_int, ctypes.c_char_p
            c_function.argtypes = [c_int, c_path, c_int, c_path, ctypes.c_uint]
            c_function.restype = c_int
            function = c_function
        _found.append(function)
    return _found[0]


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory; the files are synced
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)
