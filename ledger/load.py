"""Load a ledger folder: walk the layout (FORMAT §1), parse each file once, check it against its
schema and build the model. Problems are returned as diagnostics, never raised."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import schema, yamlfile
from ledger.diagnostics import Diagnostic, error, warning
from ledger.model import (
    Account,
    Complaint,
    Ledger,
    Visit,
    build_account,
    build_complaint,
    build_settings,
    build_visit,
    default_settings,
)

YAML_SUFFIXES = (".yaml", ".yml")
SETTINGS_NAMES = ("ledger.yaml", "ledger.yml")
DOSSIER_NAMES = ("dossier.yaml", "dossier.yml")
#: sub-folder of an account -> kind of its files
RECORD_FOLDERS = {"visits": "visit", "complaints": "complaint"}
_RECORD_STEM = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:-(.*))?\Z", re.DOTALL)


class RootError(Exception):
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
    return any(
        e.is_dir(follow_symlinks=False)
        and not e.name.startswith((".", "_"))
        and any((Path(e.path) / n).is_file() for n in DOSSIER_NAMES)
        for e in entries
    )


@dataclass
class _Files:
    """What the walk found: files to read, by kind, and problems with the layout itself."""

    settings: str | None = None
    dossiers: dict[str, str | None] = field(default_factory=dict)  # account -> dossier file
    records: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # kind, id, file
    problems: list[Diagnostic] = field(default_factory=list)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _ignored(name: str) -> bool:
    # Hidden and underscore names are the user's own (FORMAT §1); editors' swap files are hidden.
    return name.startswith((".", "_"))


def _kind_of_entry(entry: os.DirEntry[str], root: Path, rel: str, problems: list) -> str | None:
    """'file', 'dir' or None (skipped with a diagnostic). Symlinks never leave the ledger."""
    if entry.is_symlink():
        target = Path(os.path.realpath(entry.path))
        inside = target == root or root in target.parents
        if not inside or not target.is_file():
            why = "outside the ledger" if not inside else "to a folder or nothing"
            problems.append(
                error(
                    rel,
                    "unsafe-path",
                    f"symbolic link points {why}; not followed",
                    hint="replace the link with the file itself",
                )
            )
            return None
        return "file"
    mode = entry.stat(follow_symlinks=False).st_mode
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    problems.append(
        warning(rel, "unexpected-file", "not a regular file (a pipe, socket or device); skipped")
    )
    return None


def walk(root: Path) -> _Files:
    """Find the ledger's files (FORMAT §1) and report names and files that do not belong."""
    found = _Files()
    problems = found.problems
    for entry in _entries(root):
        if _ignored(entry.name):
            continue
        kind = _kind_of_entry(entry, root, entry.name, problems)
        if kind == "file" and entry.name in SETTINGS_NAMES:
            if found.settings is not None:
                problems.append(_twin(entry.name, found.settings))
            else:
                found.settings = entry.name
        elif kind == "dir":
            _walk_account(root, entry, found)
    return found


def _twin(name: str, first: str) -> Diagnostic:
    return error(
        name,
        "duplicate-id",
        f"both {first} and {name} exist; they would have the same id",
        hint="keep one of them",
    )


def _walk_account(root: Path, folder: os.DirEntry[str], found: _Files) -> None:
    account = folder.name
    problems = found.problems
    if not schema.is_name(account):
        problems.append(
            error(
                account,
                "bad-name",
                f"account folder name '{account}' is not a valid id",
                hint="use 1-64 letters, digits, '-' and '_', starting with a letter or digit",
            )
        )
    found.dossiers[account] = None
    for entry in _entries(Path(folder.path)):
        if _ignored(entry.name):
            continue
        rel = f"{account}/{entry.name}"
        kind = _kind_of_entry(entry, root, rel, problems)
        if kind == "file" and entry.name in DOSSIER_NAMES:
            if found.dossiers[account] is not None:
                problems.append(_twin(rel, found.dossiers[account]))
            else:
                found.dossiers[account] = rel
        elif kind == "dir" and entry.name in RECORD_FOLDERS:
            _walk_records(root, Path(entry.path), rel, RECORD_FOLDERS[entry.name], found)
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


def _walk_records(root: Path, folder: Path, rel_folder: str, kind: str, found: _Files) -> None:
    problems = found.problems
    seen: dict[str, str] = {}
    for entry in _entries(folder):
        if _ignored(entry.name):
            continue
        rel = f"{rel_folder}/{entry.name}"
        entry_kind = _kind_of_entry(entry, root, rel, problems)
        if entry_kind is None:
            continue
        stem, suffix = os.path.splitext(entry.name)
        if entry_kind == "dir" or suffix not in YAML_SUFFIXES:
            problems.append(_unexpected(rel, entry_kind))
            continue
        match = _RECORD_STEM.match(stem)
        if not match or (match.group(2) is not None and not schema.is_name(match.group(2))):
            problems.append(
                error(
                    rel,
                    "bad-name",
                    f"file name '{entry.name}' is not <YYYY-MM-DD>[-<slug>].yaml",
                    hint="name it by its date and an optional slug of letters, digits, '-' "
                    "and '_', e.g. 2026-11-02-季度回访.yaml",
                )
            )
            continue
        if not schema.is_date(match.group(1)):
            problems.append(
                error(
                    rel,
                    "bad-date",
                    f"file name date '{match.group(1)}' is not a real calendar date",
                    hint="rename the file with the real date of the record",
                )
            )
            continue
        if stem in seen:
            problems.append(_twin(rel, seen[stem]))
            continue
        seen[stem] = rel
        found.records.setdefault(kind, []).append((rel_folder.split("/")[0], stem, rel))


def read_document(root: Path, rel: str, kind: str) -> tuple[dict[str, Any] | None, list]:
    """Read, parse and schema-check one file. The document is None when it cannot be used."""
    try:
        with open(root / rel, "rb") as f:  # fstat the open file: no race with a stat
            size = os.fstat(f.fileno()).st_size
            data = f.read(yamlfile.MAX_BYTES + 1) if size <= yamlfile.MAX_BYTES else b""
    except OSError as exc:
        return None, [
            error(
                rel,
                "unreadable",
                f"cannot read the file: {exc.strerror}",
                hint="check its permissions",
            )
        ]
    if size > yamlfile.MAX_BYTES:
        return None, [yamlfile.too_large(rel, size)]
    value, problems = yamlfile.parse(data, rel)
    if value is None and problems:
        return None, problems
    if value is None:
        if kind == "ledger":
            return {}, problems
        return None, [
            error(
                rel,
                "empty-file",
                f"the {kind} file is empty",
                hint=_EMPTY_HINTS[kind],
            )
        ]
    problems += schema.validate(kind, value, rel)
    if any(p.severity == "error" and p.code != "duplicate-key" for p in problems):
        return None, problems
    return value, problems  # type: ignore[return-value]


_EMPTY_HINTS = {
    "dossier": "a dossier needs at least 'name:' and 'manager:'",
    "visit": "a visit needs at least 'date:', 'mode:' and, when done, 'summary:'",
    "complaint": "a complaint needs 'opened:', 'summary:', 'category:', 'severity:' and 'status:'",
}


def load_ledger(root: Path) -> tuple[Ledger, list[Diagnostic]]:
    """The model of every file that loaded, and every problem found on the way."""
    files = walk(root)
    problems = list(files.problems)
    count = 0

    settings = default_settings()
    if files.settings is not None:
        count += 1
        doc, found = read_document(root, files.settings, "ledger")
        problems += found
        if doc is not None:
            settings = build_settings(doc)

    visits: dict[str, list[Visit]] = {}
    complaints: dict[str, list[Complaint]] = {}
    complaint_ids: dict[str, set[str]] = {}
    for kind, account, stem, rel in _records(files):
        count += 1
        if kind == "complaint":
            complaint_ids.setdefault(account, set()).add(stem)
        doc, found = read_document(root, rel, kind)
        problems += found
        if doc is None:
            continue
        if kind == "visit":
            visits.setdefault(account, []).append(build_visit(stem, rel, doc))
        else:
            complaints.setdefault(account, []).append(build_complaint(stem, rel, doc))

    accounts: list[Account] = []
    for account, rel in sorted(files.dossiers.items()):
        if rel is None:
            continue
        count += 1
        doc, found = read_document(root, rel, "dossier")
        problems += found
        if doc is None:
            continue
        accounts.append(
            build_account(
                account,
                rel,
                doc,
                tuple(visits.get(account, ())),
                tuple(complaints.get(account, ())),
                frozenset(complaint_ids.get(account, ())),
            )
        )
    ledger = Ledger(root=str(root), settings=settings, accounts=tuple(accounts), files=count)
    return ledger, problems


def _records(files: _Files) -> Iterable[tuple[str, str, str, str]]:
    for kind, entries in files.records.items():
        for account, stem, rel in entries:
            yield kind, account, stem, rel
