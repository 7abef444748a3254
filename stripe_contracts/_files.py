"""The one way files are written: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, replace: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same directory.

    Readers see the old file or the whole new one, never a part. With `replace=False` an
    existing non-empty file is left alone and `FileExistsError` is raised - atomically, so two
    processes writing the same file cannot both win. An empty file counts as no file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would surprise whoever commits the file
        if replace:
            os.replace(temp, target)
            return
        with contextlib.suppress(FileNotFoundError):
            if target.stat().st_size == 0:
                target.unlink()
        try:
            os.link(temp, target)  # fails if the target exists: never clobbers
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then rename
            if target.exists():
                raise FileExistsError(str(target)) from None
            os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
