"""Reading a ledger's git history with plain ``git`` subprocesses (no GitPython).

``ledger_at`` materialises the ledger folder of a revision (``git archive``) so that the usual
loader reads it; ``account_history`` lists the recent commits that touched each account.
"""

from __future__ import annotations

import copy
import io
import posixpath
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, error, warning
from ledger.errors import KamError
from ledger.load.walk import decodable, ignored, link_problem, name_problem, shown_name


class GitError(KamError):
    """git is missing, the folder is not in a repository, or a revision does not exist."""


def _git(args: list[str], cwd: Path) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise GitError("git is not installed")
    run = subprocess.run([git, *args], cwd=cwd, capture_output=True)
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return run.stdout


def toplevel(path: Path) -> Path | None:
    """The work tree that holds ``path``, or None outside a git repository."""
    try:
        out = _git(["rev-parse", "--show-toplevel"], path)
    except GitError:
        return None
    return Path(out.decode().strip())


def resolve(top: Path, rev: str) -> str:
    """The commit id of a revision name (HEAD, a branch, a tag, abc123, HEAD~2…)."""
    if rev.startswith("-"):
        raise GitError(f"'{rev}' is not a revision")
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top).decode().strip()
    except GitError:
        raise GitError(f"'{rev}' is not a revision of the repository at {top}") from None


def ledger_at(root: Path, rev: str, dest: Path) -> tuple[Path, list[Diagnostic]]:
    """Write the ledger folder as it was at ``rev`` under ``dest``; return its root there and
    the problems of what was not written (see ``_extract``).

    A revision in which the folder did not exist yet gives an empty folder.
    """
    top = toplevel(root)
    if top is None:
        raise GitError(f"{root} is not inside a git repository")
    commit = resolve(top, rev)
    rel = root.resolve().relative_to(top.resolve()).as_posix()
    out = dest / "tree"
    out.mkdir(parents=True, exist_ok=True)
    problems: list[Diagnostic] = []
    # the pathspec of the whole tree is '.', never '' (which git refuses)
    if rel == "." or _git(["ls-tree", "--name-only", commit, "--", rel], top).strip():
        data = _git(["archive", "--format=tar", commit, "--", rel], top)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            problems = _extract(tar, out, "" if rel == "." else rel + "/")
    root_there = out / rel
    root_there.mkdir(parents=True, exist_ok=True)
    return root_there, problems


def _extract(tar: tarfile.TarFile, out: Path, prefix: str) -> list[Diagnostic]:
    """Extract the files and folders of the ledger (the members under ``prefix``) into
    ``out``, and never a link: a link to a file of the ledger is written as a copy of that
    file, which is what the walk reads in a work tree; any other link is an ``unsafe-path``
    diagnostic, as the walk reports it (file names relative to the ledger)."""
    members = {m.name.rstrip("/"): m for m in tar.getmembers()}
    wanted: list[tarfile.TarInfo] = []
    problems: list[Diagnostic] = []
    for name, member in members.items():
        rel = name[len(prefix) :]
        if not name.startswith(prefix) or not rel or _skipped_by_walk(rel):
            continue  # outside the ledger, or a name the walk never looks into
        if member.isfile() or member.isdir():
            wanted.append(member)
        elif not decodable(rel):  # the walk would report its name, and never look at it
            folder, _, last = rel.rpartition("/")
            problem = name_problem(folder + "/" if folder else "", last)
            problems += [problem] if problem else []
        elif member.issym():
            target = _link_target(members, member, prefix)
            if isinstance(target, tarfile.TarInfo):
                copy_of = copy.copy(target)
                copy_of.name = member.name
                wanted.append(copy_of)
            else:
                problems.append(link_problem(rel, inside=target))
        else:
            problems.append(
                warning(rel, "unexpected-file", "not a regular file (a link or a device); skipped")
            )

    def data(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, path)
        except tarfile.FilterError:  # a crafted tree: an absolute name or one with '..'
            problems.append(
                error(
                    shown_name(member.name[len(prefix) :]),
                    "unsafe-path",
                    "the path leads out of the ledger; not read",
                    hint="remove it from the history (git cannot check it out either)",
                )
            )
            return None

    if hasattr(tarfile, "data_filter"):
        tar.extractall(out, members=wanted, filter=data)
    else:  # pragma: no cover - Python without PEP 706
        tar.extractall(out, members=list(_safe_members(wanted, out)))
    return problems


def _skipped_by_walk(rel: str) -> bool:
    """A path under a name the walk ignores ('.git', '_drafts', 'x~'), or under a name it
    refuses and does not look into (not UTF-8): that name is reported, nothing under it."""
    parts = rel.split("/")
    return any(ignored(p) for p in parts) or any(not decodable(p) for p in parts[:-1])


def _link_target(
    members: dict[str, tarfile.TarInfo], link: tarfile.TarInfo, prefix: str
) -> tarfile.TarInfo | bool:
    """The regular file of the ledger a link leads to (through other links), else whether
    its target is inside the ledger at all."""
    seen = set()
    while link.issym() and link.name not in seen and not link.linkname.startswith("/"):
        seen.add(link.name)
        name = posixpath.normpath(posixpath.join(posixpath.dirname(link.name), link.linkname))
        if not name.startswith(prefix) or name.startswith("../"):
            return False
        if name not in members:
            return True  # to nothing, or through a linked folder (never followed)
        link = members[name]
    if link.isfile():
        return link
    return not link.linkname.startswith("/") if link.issym() else True


def _safe_members(members: list[tarfile.TarInfo], out: Path):
    for member in members:
        target = (out / member.name).resolve()
        if (member.isfile() or member.isdir()) and target.is_relative_to(out.resolve()):
            yield member


@dataclass(frozen=True)
class Commit:
    id: str
    author: str
    date: str  # YYYY-MM-DD, the author date
    subject: str


def account_history(root: Path, per_account: int = 5, limit: int = 2000) -> dict[str, list[Commit]]:
    """The latest commits that touched each account folder (one ``git log`` for the ledger).

    Empty outside a git repository or when git is missing.
    """
    top = toplevel(root)
    if top is None:
        return {}
    rel = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if rel == "." else rel + "/"
    try:
        out = _git(
            [
                "-c",
                "core.quotepath=false",
                "log",
                f"-n{limit}",
                "--format=%x1e%H%x1f%an%x1f%ad%x1f%s",
                "--date=short",
                "--name-only",
                "--no-renames",
                "--",
                rel,
            ],
            top,
        )
    except GitError:
        return {}  # for example a repository without commits yet
    history: dict[str, list[Commit]] = {}
    for record in out.decode("utf-8", "replace").split("\x1e")[1:]:
        head, _, names = record.partition("\n")
        commit_id, author, date, subject = [*head.split("\x1f"), "", "", ""][:4]
        commit = Commit(commit_id, author, date, subject)
        touched = {
            name[len(prefix) :].split("/", 1)[0]
            for name in names.splitlines()
            if name.startswith(prefix) and "/" in name[len(prefix) :]
        }
        for account in sorted(touched):
            commits = history.setdefault(account, [])
            if len(commits) < per_account:
                commits.append(commit)
    return history
