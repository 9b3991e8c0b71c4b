"""Reading a ledger's git history with plain ``git`` subprocesses (no GitPython).

``ledger_at`` materialises the ledger folder of a revision (``git archive``) so that the usual
loader reads it; ``account_history`` lists the recent commits that touched each account.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import KamError


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


def ledger_at(root: Path, rev: str, dest: Path) -> Path:
    """Write the ledger folder as it was at ``rev`` under ``dest``; return its root there.

    A revision in which the folder did not exist yet gives an empty folder.
    """
    top = toplevel(root)
    if top is None:
        raise GitError(f"{root} is not inside a git repository")
    commit = resolve(top, rev)
    rel = root.resolve().relative_to(top.resolve()).as_posix()
    out = dest / "tree"
    out.mkdir(parents=True, exist_ok=True)
    listed = _git(["ls-tree", "--name-only", commit, "--", rel if rel != "." else ""], top)
    if rel == "." or listed.strip():
        data = _git(["archive", "--format=tar", commit, "--", rel], top)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(out, filter="data")  # no links or paths out of the folder
            else:  # pragma: no cover - Python without PEP 706
                tar.extractall(out, members=_safe_members(tar, out))
    root_there = out / rel
    root_there.mkdir(parents=True, exist_ok=True)
    return root_there


def _safe_members(tar: tarfile.TarFile, out: Path):
    for member in tar.getmembers():
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
