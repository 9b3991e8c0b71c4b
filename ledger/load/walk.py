"""Walk a ledger folder (FORMAT §1): find its files by kind, report names and files that do not
belong, and fingerprint the tree for the quick test of a cached ledger."""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, error, warning
from ledger.errors import KamError
from ledger.kinds import kind_named, record_folders
from ledger.load import schema
from ledger.load.cache import Stamp, stamp

YAML_SUFFIXES = (".yaml", ".yml")
SETTINGS_NAMES = ("ledger.yaml", "ledger.yml")
_RECORD_STEM = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:-(.*))?\Z", re.DOTALL)


class RootError(KamError):
    """The ledger root cannot be used (a usage error, exit 2)."""


def find_root(option: str | None, env: dict[str, str], cwd: Path) -> Path:
    """FORMAT §1 root selection: --ledger, else $KAM_LEDGER, else ./accounts, else the cwd."""
    if option:
        root, origin = Path(option), "--ledger"
    elif env.get("KAM_LEDGER"):
        root, origin = Path(env["KAM_LEDGER"]), "KAM_LEDGER"
    elif (cwd / "accounts").is_dir():
        root, origin = cwd / "accounts", "./accounts"
    else:
        root, origin = cwd, "the current folder"
    root = root if root.is_absolute() else cwd / root
    if not root.is_dir():
        raise RootError(f"ledger folder {root} ({origin}) does not exist")
    if not is_ledger_root(root):
        raise RootError(
            f"{root} ({origin}) is not a ledger: it has no ledger.yaml and no account folder "
            "with a dossier.yaml. Pass --ledger DIR, set KAM_LEDGER, or run 'kam init DIR'."
        )
    return root


def is_ledger_root(root: Path) -> bool:
    if any((root / name).is_file() for name in SETTINGS_NAMES):
        return True
    try:
        entries = list(os.scandir(root))
    except OSError:
        return False
    dossier_names = kind_named("dossier").file_names
    return any(
        e.is_dir(follow_symlinks=False)
        and not e.name.startswith((".", "_"))
        and any((Path(e.path) / n).is_file() for n in dossier_names)
        for e in entries
    )


@dataclass
class Files:
    """What the walk found: files to read, by kind, and problems with the layout itself."""

    settings: str | None = None
    dossiers: dict[str, str | None] = field(default_factory=dict)  # account -> dossier file
    records: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # kind, id, file
    problems: list[Diagnostic] = field(default_factory=list)
    #: stamp of every regular file found (cache keys; see ``ledger.load.cache``)
    stamps: dict[str, Stamp] = field(default_factory=dict)
    #: when the walk started, in ``time.time_ns()``
    started_ns: int = 0


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)


def ignored(name: str) -> bool:
    # Hidden and underscore names are the user's own (FORMAT §1). So is what editors leave
    # beside a file while saving it: backups (``name~``, ``#name#``), vim's write test file
    # ``4913``, JetBrains' safe-write files; swap files are hidden (``.name.swp``).
    # (No regular expression: this runs for every name of every walk.)
    first, last = name[0], name[-1]
    return (
        first in "._"
        or last == "~"
        or name == "4913"
        or (first == "#" and last == "#" and len(name) > 1)
        or (last == "_" and name.endswith(("___jb_tmp___", "___jb_old___")))
    )


def _kind_of_entry(entry: os.DirEntry[str], root: Path, rel: str, found: Files) -> str | None:
    """'file', 'dir' or None (skipped with a diagnostic). Symlinks never leave the ledger."""
    if entry.is_symlink():
        target = Path(os.path.realpath(entry.path))
        inside = target == root or root in target.parents
        if not inside or not target.is_file():
            found.problems.append(link_problem(rel, inside))
            return None
        found.stamps[rel] = stamp(target.stat())
        return "file"
    st = entry.stat(follow_symlinks=False)
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        found.stamps[rel] = stamp(st)
        return "file"
    found.problems.append(
        warning(rel, "unexpected-file", "not a regular file (a pipe, socket or device); skipped")
    )
    return None


def link_problem(rel: str, inside: bool) -> Diagnostic:
    """The unsafe-path of a symbolic link that is not followed: out of the ledger (``inside``
    False) or to a folder or nothing."""
    why = "outside the ledger" if not inside else "to a folder or nothing"
    return error(
        rel,
        "unsafe-path",
        f"symbolic link points {why}; not followed",
        hint="replace the link with the file itself",
    )


def walk(root: Path) -> Files:
    """Find the ledger's files (FORMAT §1) and report names and files that do not belong."""
    found = Files(started_ns=time.time_ns())
    for entry in walk_top(root, found):
        _walk_account(root, entry, found)
    return found


def walk_top(root: Path, found: Files) -> list[os.DirEntry[str]]:
    """The top of the walk: ``ledger.yaml`` and problems of the root's entries into ``found``;
    returns the account folders."""
    folders: list[os.DirEntry[str]] = []
    for entry in _entries(root):
        if ignored(entry.name):
            continue
        if not decodable(entry.name):
            found.problems.append(_not_utf8("", entry.name))
            continue
        kind = _kind_of_entry(entry, root, entry.name, found)
        if kind == "file" and entry.name in SETTINGS_NAMES:
            if found.settings is not None:
                found.problems.append(_twin(entry.name, found.settings))
            else:
                found.settings = entry.name
        elif kind == "dir":
            # an account folder with a bad name is still read: only its name is wrong
            found.problems += usable_name("", entry.name, [f.name for f in folders])
            folders.append(entry)
    return folders


def walk_account(root: Path, folder: os.DirEntry[str]) -> Files:
    """What ``walk`` finds in one account folder (the problems of its name are ``walk_top``'s)."""
    found = Files(started_ns=time.time_ns())
    _walk_account(root, folder, found)
    return found


def fingerprint(root: Path) -> tuple[str, int]:
    """A digest of every name and stamp the walk would look at, and the newest modification
    time among them (ns). Equal digests mean ``walk`` and every file read would give the same
    result: the quick test of ``kam validate`` on a cached ledger (a bare stat walk, no more)."""
    seen: list[object] = []  # flat: folder, then name, mode, size, mtime, ctime, inode, …
    times: list[int] = [0]
    stack = [(str(root), 0)]
    while stack:
        folder, depth = stack.pop()
        seen.append(folder)
        try:
            it = os.scandir(folder)
        except OSError as exc:
            seen.append(exc.errno)
            continue
        with it:
            for entry in it:
                name = entry.name
                if ignored(name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):  # from the folder listing: no stat
                        seen.append(name + "/")
                        if depth < 2:
                            stack.append((entry.path, depth + 1))
                        continue
                    if entry.is_symlink():
                        seen.append(os.path.realpath(entry.path))
                    st = entry.stat()
                except OSError as exc:
                    seen += (name, exc.errno)
                    continue
                seen += (name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                times += (st.st_mtime_ns, st.st_ctime_ns)
    # scandir's order is stable while a folder is unchanged; a changed order only costs a miss
    return hashlib.sha256(marshal.dumps(seen)).hexdigest(), max(times)


def _twin(name: str, first: str) -> Diagnostic:
    return error(
        name,
        "duplicate-id",
        f"both {first} and {name} exist; they would have the same id",
        hint="keep one of them",
    )


def _walk_account(root: Path, folder: os.DirEntry[str], found: Files) -> None:
    account = folder.name
    problems = found.problems
    found.dossiers[account] = None
    dossier_names, folders = kind_named("dossier").file_names, record_folders()
    for entry in _entries(Path(folder.path)):
        if ignored(entry.name):
            continue
        if not decodable(entry.name):
            problems.append(_not_utf8(f"{account}/", entry.name))
            continue
        rel = f"{account}/{entry.name}"
        kind = _kind_of_entry(entry, root, rel, found)
        if kind == "file" and entry.name in dossier_names:
            if found.dossiers[account] is not None:
                problems.append(_twin(rel, found.dossiers[account]))
            else:
                found.dossiers[account] = rel
        elif kind == "dir" and entry.name in folders:
            _walk_records(root, Path(entry.path), rel, folders[entry.name], found)
        elif kind is not None:
            problems.append(_unexpected(rel, kind))
    if found.dossiers[account] is None:
        problems.append(
            error(
                f"{account}/dossier.yaml",
                "missing-dossier",
                f"account folder '{account}' has no dossier.yaml",
                hint=f"create it with at least 'name:' and 'manager:' (kam new account {account})",
            )
        )


def _unexpected(rel: str, kind: str) -> Diagnostic:
    what = "folder" if kind == "dir" else "file"
    return warning(
        rel,
        "unexpected-file",
        f"unexpected {what} in an account folder",
        hint="an account holds dossier.yaml, visits/ and complaints/; "
        "names starting with '.' or '_' are ignored",
    )


def _walk_records(root: Path, folder: Path, rel_folder: str, kind: str, found: Files) -> None:
    problems = found.problems
    seen: dict[str, str] = {}  # id -> file name, of the files read
    for entry in _entries(folder):
        if ignored(entry.name):
            continue
        if not decodable(entry.name):
            problems.append(_not_utf8(rel_folder + "/", entry.name))
            continue
        rel = f"{rel_folder}/{entry.name}"
        entry_kind = _kind_of_entry(entry, root, rel, found)
        if entry_kind is None:
            continue
        stem, suffix = os.path.splitext(entry.name)
        if entry_kind == "dir" or suffix not in YAML_SUFFIXES:
            problems.append(_unexpected(rel, entry_kind))
            continue
        problem = name_problem(rel_folder + "/", entry.name)
        twin = None if problem else twin_problem(rel_folder + "/", entry.name, seen.values())
        problems += [d for d in (problem, twin) if d is not None]
        if problem is not None or stem in seen:  # a case twin is read: its id is its own
            continue
        seen[stem] = entry.name
        found.records.setdefault(kind, []).append((rel_folder.split("/")[0], stem, rel))


# --- name rules: what the walk reports and what ``kam new`` refuses before writing -----------


def decodable(name: str) -> bool:
    """Whether a name from the file system is UTF-8 (Python keeps other bytes of a name as
    lone surrogates, which no UTF-8 output, page or JSON file can hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str) -> str:
    """A name from the file system as text: bytes that are not UTF-8 written ``\\xff``."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _not_utf8(folder: str, name: str) -> Diagnostic:
    return error(
        folder + shown_name(name),
        "bad-name",
        f"the name '{shown_name(name)}' is not valid UTF-8; not read",
        hint="rename it with UTF-8 text: macOS and Windows cannot store such a name",
    )


def usable_name(folder: str, name: str, siblings: Iterable[str] = ()) -> list[Diagnostic]:
    """Why ``name`` cannot be used in ``folder`` beside the names ``siblings`` already there
    (empty when it can): the ``bad-name``, ``bad-date`` and ``duplicate-id`` diagnostics of
    ``kam validate``. ``folder`` is "" for an account folder, else a record folder with its
    slash ("acme/visits/"). ``kam new`` asks it before writing; the walk asks it entry by entry
    (of records in its two halves, ``name_problem`` and ``twin_problem``)."""
    found = (name_problem(folder, name), twin_problem(folder, name, siblings))
    return [d for d in found if d is not None]


def name_problem(folder: str, name: str) -> Diagnostic | None:
    """What is wrong with a name on its own (see ``usable_name``): not UTF-8, not an id, a
    Windows device name, not ``<YYYY-MM-DD>[-<slug>].yaml``, not a real date."""
    if not decodable(name):
        return _not_utf8(folder, name)
    if not folder:
        return _account_name_problem(name)
    rel = folder + name
    stem = os.path.splitext(name)[0]
    match = _RECORD_STEM.match(stem)
    if not match or (match.group(2) is not None and not schema.is_name(match.group(2))):
        return error(
            rel,
            "bad-name",
            f"file name '{name}' is not <YYYY-MM-DD>[-<slug>].yaml",
            hint="name it by its date and an optional slug of letters, digits, '-' "
            "and '_', e.g. 2026-11-02-季度回访.yaml",
        )
    if not schema.is_date(match.group(1)):
        return error(
            rel,
            "bad-date",
            f"file name date '{match.group(1)}' is not a real calendar date of the years "
            "kam computes for (1900-2099)",
            hint="rename the file with the real date of the record",
        )
    return None


def _account_name_problem(account: str) -> Diagnostic | None:
    if not schema.is_name(account):
        return error(
            account,
            "bad-name",
            f"account folder name '{account}' is not a valid id",
            hint="use 1-64 letters, digits, '-' and '_', starting with a letter or digit",
        )
    if account.upper() in _WINDOWS_DEVICES:
        return error(
            account,
            "bad-name",
            f"account folder name '{account}' is a device name on Windows; a colleague "
            "there could not check it out",
            hint=f"rename the folder, e.g. '{account}-co'",
        )
    return None


def twin_problem(folder: str, name: str, siblings: Iterable[str]) -> Diagnostic | None:
    """A name beside ``siblings`` (the names before it): a record of the same id (``x.yml``
    beside ``x.yaml``), or a name that differs only in case, one name on Windows and macOS, so
    a checkout there would mix them up."""
    siblings = list(siblings)
    if folder:
        stem = os.path.splitext(name)[0]
        for other in siblings:
            if other != name and os.path.splitext(other)[0] == stem:
                return _twin(folder + name, folder + other)
    for other in siblings:
        if other != name and other.casefold() == name.casefold():
            return error(
                folder + name,
                "duplicate-id",
                f"'{name}' and '{other}' differ only in case; on Windows and macOS they "
                "are the same name",
                hint="rename one of them (ids are best written in lower case)",
            )
    return None
