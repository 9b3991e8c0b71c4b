"""kam init and kam new: the only commands that write into a ledger, and they never overwrite.

Files come from ``templates/init`` and ``templates/new`` (Jinja2, no autoescape: the output
is YAML, and every value goes through the ``yaml`` filter, which quotes what needs quoting).
Each new ledger file starts with a ``# yaml-language-server: $schema=…`` line relative to the
file, so any editor that runs the YAML language server completes and checks it with no set-up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import __version__

if TYPE_CHECKING:
    import jinja2
from ledger.derive.tiers import compute_tiers
from ledger.errors import KamError
from ledger.kinds import kind_named, schema_kinds
from ledger.load.loader import load_ledger
from ledger.load.schema import data_dir, is_name
from ledger.load.walk import ignored, shown_name, usable_name
from ledger.load.yamlfile import parse
from ledger.model import Account, Ledger

#: files of a new ledger repository: template under templates/init -> path in the repository
INIT_FILES = {
    "README.md": "README.md",
    "ledger.yaml": "accounts/ledger.yaml",
    "dotvscode/settings.json": ".vscode/settings.json",
    "dotvscode/extensions.json": ".vscode/extensions.json",
    "editorconfig": ".editorconfig",
    "gitattributes": ".gitattributes",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "dotgithub/workflows/kam.yml": ".github/workflows/kam.yml",
}
EXAMPLE_ACCOUNT = "example-co"
DEFAULT_HOOK_REPO = "https://github.com/kam-ledger/kam"
YAML_DIFF = r"^[[:space:]]*-?[[:space:]]*[[:alnum:]_-]+:.*$"


class ScaffoldError(KamError):
    """A file cannot be created (it exists, or a name is not allowed); nothing was written."""


def yaml_scalar(value: object) -> str:
    """A value as a YAML scalar: plain when it reads back as the same text, else quoted."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text and "\n" not in text:
        parsed, problems = parse(f"k: {text}\n".encode(), "-")
        if not problems and parsed == {"k": text}:
            return text
    return json.dumps(text, ensure_ascii=False)


def _env(folder: str) -> jinja2.Environment:
    import jinja2  # only when writing files: the CLI starts faster without it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("templates") / folder),
        autoescape=False,  # YAML and JSON, not HTML: values go through the yaml filter
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["yaml"] = yaml_scalar
    return env


def _write_new(files: dict[Path, str]) -> list[Path]:
    """Write every file, or none: refuse when any of them exists."""
    taken = [p for p in files if p.exists() or p.is_symlink()]
    if taken:
        raise ScaffoldError(
            "will not overwrite " + ", ".join(str(p) for p in taken) + " (kam never overwrites)"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as f:  # "x": fails if it appeared
            f.write(text)
    return list(files)


# --- kam init --------------------------------------------------------------------------------


def init_repository(
    target: Path, name: str, locale: str, today: dt.date, hook_repo: str = DEFAULT_HOOK_REPO
) -> list[Path]:
    """A new ledger repository in ``target``: settings, an example account, schemas, editor
    and git set-up. Refuses when any of those files exists. Returns the files written."""
    env = _env("init")
    context = {"name": name, "locale": locale, "version": __version__, "kam_repo": hook_repo}
    files = {
        target / dest: env.get_template(src).render(context) for src, dest in INIT_FILES.items()
    }
    for kind in schema_kinds():
        schema = data_dir("schema") / f"{kind}.schema.json"
        files[target / "schema" / schema.name] = schema.read_text(encoding="utf-8")
    account = new_account_text(
        target / "accounts",
        EXAMPLE_ACCOUNT,
        {"name": "示例有限公司 Example Co., Ltd.", "manager": "王磊", "short_name": "示例"},
        today,
        schema="../../schema/dossier.schema.json",
    )
    files[target / "accounts" / EXAMPLE_ACCOUNT / "dossier.yaml"] = account
    written = _write_new(files)
    root = target / "accounts"
    ledger, _ = load_ledger(root)
    written.append(
        new_visit(
            root,
            ledger,
            EXAMPLE_ACCOUNT,
            today,
            "first-visit",
            {
                "mode": "phone",
                "purpose": "认识客户 Getting to know the customer",
                "summary": "An example visit: edit or delete this file.",
            },
            today,
        )
    )
    _git_init(target)
    return written


def _git_init(target: Path) -> None:
    git = shutil.which("git")
    if git is None:
        raise ScaffoldError("git is not installed: the files are written, run 'git init' yourself")
    if not (target / ".git").exists():
        subprocess.run([git, "init", "-q", str(target)], check=True)
    subprocess.run([git, "-C", str(target), "config", "diff.yaml.xfuncname", YAML_DIFF], check=True)


# --- kam new ---------------------------------------------------------------------------------


def schema_ref(file: Path, kind: str, root: Path) -> str:
    """The schema path for a file's modeline: the ledger repository's own ``schema/`` when it
    has one (as ``kam init`` makes), else the schemas installed with kam."""
    folder = None
    for candidate in (root, *root.resolve().parents):
        if (candidate / "schema" / f"{kind}.schema.json").is_file():
            folder = candidate / "schema"
            break
        if (candidate / ".git").exists():
            break
    folder = folder or data_dir("schema")
    rel = os.path.relpath(folder / f"{kind}.schema.json", file.parent.resolve())
    return Path(rel).as_posix()


def check_name(value: str, what: str) -> None:
    """Refuse an id or slug that is not a name (FORMAT §1), before anything is written."""
    if not is_name(value):
        raise ScaffoldError(
            f"'{shown_name(value)}' is not a valid {what}: use 1–64 letters, digits, '-' or '_', "
            "starting with a letter or digit (no spaces, no '/', no '..')"
        )


def check_usable(root: Path, folder: str, name: str) -> None:
    """Refuse a new account folder (``folder`` "") or record file (``folder`` "acme/visits/")
    that ``kam validate`` would then report: the walk's own name rules (Windows device names,
    names that differ only in case from one there, a second file of the same id)."""
    try:
        siblings = [e.name for e in os.scandir(root / folder) if not ignored(e.name)]
    except OSError:  # no such folder yet: nothing beside it
        siblings = []
    for d in usable_name(folder, name, siblings):
        hint = d.hint if d.code != "duplicate-id" else "use the one there, or choose another name"
        raise ScaffoldError(
            f"will not create {d.file}: error[{d.code}]: {d.message}; nothing was written\n"
            f"  hint: {hint}"
        )


def new_account_text(
    root: Path, account_id: str, fields: dict[str, Any], today: dt.date, schema: str | None = None
) -> str:
    file = root / account_id / "dossier.yaml"
    return (
        _env("new")
        .get_template("dossier.yaml")
        .render(
            schema=schema or schema_ref(file, "dossier", root),
            id=account_id,
            name=fields.get("name"),
            short_name=fields.get("short_name"),
            industry=fields.get("industry"),
            region=fields.get("region"),
            manager=fields.get("manager"),
            status=fields.get("status") or "active",
            since=(fields.get("since") or today).isoformat(),
            today=today.isoformat(),
        )
    )


def new_account(root: Path, account_id: str, fields: dict[str, Any], today: dt.date) -> Path:
    """A new account folder with its dossier; refuses a name ``kam validate`` would report."""
    check_name(account_id, "account id")
    check_usable(root, "", account_id)
    if (root / account_id).exists():
        raise ScaffoldError(f"{root / account_id} exists already (kam never overwrites)")
    path = root / account_id / "dossier.yaml"
    _write_new({path: new_account_text(root, account_id, fields, today)})
    return path


@dataclass(frozen=True)
class Record:
    """Where a new visit or complaint goes."""

    account: Account
    path: Path


def _record_path(
    root: Path, account_id: str, folder: str | None, day: dt.date, slug: str | None
) -> Path:
    check_name(account_id, "account id")
    if slug is not None:
        check_name(slug, "slug")
    if not (root / account_id / "dossier.yaml").is_file():
        raise ScaffoldError(
            f"no account '{account_id}' in {root} (create it with 'kam new account {account_id}')"
        )
    name = f"{day.isoformat()}-{slug}.yaml" if slug else f"{day.isoformat()}.yaml"
    check_usable(root, f"{account_id}/{folder}/", name)
    path = root / account_id / str(folder) / name
    if path.exists():
        raise ScaffoldError(f"{path} exists already (kam never overwrites); give this one a --slug")
    return path


def new_visit(
    root: Path,
    ledger: Ledger,
    account_id: str,
    day: dt.date,
    slug: str | None,
    fields: dict[str, Any],
    today: dt.date,
) -> Path:
    """A visit file, pre-filled: the manager as ``by`` and the next revisit date by tier."""
    path = _record_path(root, account_id, kind_named("visit").folder, day, slug)
    account = _account(ledger, account_id)
    status = fields.get("status") or ("planned" if day > today else "done")
    next_visit, reason = fields.get("next_visit"), "given"
    if next_visit is None and status == "done":
        tier = compute_tiers(ledger, day).tier_by_account().get(account.id)
        interval = ledger.settings.revisit.interval(tier)
        next_visit = day + dt.timedelta(days=interval)
        reason = f"every {interval} days for tier {tier or '-'}"
    return _write_record(
        root,
        path,
        "visit",
        account,
        day,
        status=status,
        kind=fields.get("kind") or "periodic",
        mode=fields.get("mode") or "onsite",
        by=fields.get("by") or account.manager,
        received_by=list(fields.get("received_by") or ()),
        place=fields.get("place"),
        purpose=fields.get("purpose"),
        summary=fields.get("summary"),
        follows_up=fields.get("follows_up"),
        next_visit=next_visit.isoformat() if next_visit else None,
        next_reason=reason,
    )


def new_complaint(
    root: Path,
    ledger: Ledger,
    account_id: str,
    day: dt.date,
    slug: str | None,
    fields: dict[str, Any],
) -> Path:
    """A complaint file, open, with its resolution deadline in a comment."""
    path = _record_path(root, account_id, kind_named("complaint").folder, day, slug)
    account = _account(ledger, account_id)
    severity = fields.get("severity") or "medium"
    allowed = ledger.settings.resolve_within_days[severity]
    return _write_record(
        root,
        path,
        "complaint",
        account,
        day,
        summary=fields.get("summary"),
        category=fields.get("category"),
        severity=severity,
        channel=fields.get("channel"),
        raised_by=fields.get("raised_by"),
        owner=fields.get("owner") or account.manager,
        deadline=(day + dt.timedelta(days=allowed)).isoformat(),
        allowed=allowed,
    )


def _write_record(
    root: Path, path: Path, record: str, account: Account, day: dt.date, **context: Any
) -> Path:
    """Render templates/new/RECORD.yaml (visit or complaint) and create the file."""
    text = (
        _env("new")
        .get_template(f"{record}.yaml")
        .render(
            schema=schema_ref(path, record, root), account=account, date=day.isoformat(), **context
        )
    )
    _write_new({path: text})
    return path


def _account(ledger: Ledger, account_id: str) -> Account:
    account = ledger.account(account_id)
    if account is None:
        raise ScaffoldError(
            f"the dossier of '{account_id}' does not load; fix it first (run 'kam validate')"
        )
    return account
