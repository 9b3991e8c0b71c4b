"""A cache of parsed files, so that repeated commands on an unchanged ledger do not re-parse it.

Each file is remembered by its stamp (size, modification time, change time, inode) together with
what reading it gave: the checked document and its diagnostics. A file whose stamp differs is read
again. The cache lives outside the ledger, in ``$KAM_CACHE_DIR`` or ``$XDG_CACHE_HOME/kam``
(``~/.cache/kam``), one folder per ledger path, and is written atomically (a temporary file, then
a rename). Whatever goes wrong with it (missing, corrupted, written by another kam or Python
version, unwritable) makes kam read the files as if there were no cache: it is never trusted into
a wrong result, and never required.

Stamps have a granularity: a file changed twice within one clock tick could keep its stamp. So a
file modified less than ``RACY_SECONDS`` before the run started is not cached (as git does with
its index), and the next run reads it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledger import __version__

#: changes when the cached values change shape: older caches are then ignored
FORMAT = f"kam-cache 3 kam {__version__} python {sys.version_info[0]}.{sys.version_info[1]}"
RACY_SECONDS = 2.0
Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def stamp(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(changed_ns: int, started_ns: int) -> bool:
    """True when a file last changed at ``changed_ns`` may be cached by a run that started at
    ``started_ns``: long enough before it that its stamp cannot repeat (the racy rule above)."""
    return changed_ns < started_ns - int(RACY_SECONDS * 1e9)


def cache_root(env: Mapping[str, str]) -> Path:
    if env.get("KAM_CACHE_DIR"):
        return Path(env["KAM_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kam"


class Cache:
    """Named values of one ledger, pickled under one folder. ``Cache(None)`` caches nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def for_ledger(cls, root: Path, env: Mapping[str, str]) -> Cache:
        key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
        return cls(cache_root(env) / key[:24])

    def load(self, name: str) -> Any:
        """The value saved under ``name``, or None when there is none that this kam can use."""
        if self.folder is None:
            return None
        try:
            with open(self.folder / name, "rb") as f:
                if f.readline() != FORMAT.encode() + b"\n":
                    return None
                return pickle.load(f)
        except Exception:  # a broken cache is a missing cache, whatever broke it
            return None

    def save(self, name: str, value: Any) -> None:
        """Write atomically; a cache that cannot be written is skipped without a word."""
        if self.folder is None:
            return
        tmp: Path | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, name_tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
            tmp = Path(name_tmp)
            with os.fdopen(fd, "wb") as f:
                f.write(FORMAT.encode() + b"\n")
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(self.folder / name)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()


NO_CACHE = Cache(None)
