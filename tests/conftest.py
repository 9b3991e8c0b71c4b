"""Tests read like small ledgers: a fixture writes YAML files under tmp_path from inline text."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.pipeline import Checked, check

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "accounts"
AS_OF = dt.date(2026, 11, 30)

DOSSIER = """\
name: 上海测试有限公司
manager: 王磊
contacts:
  - {id: zhang-wei, name: 张伟}
  - {id: li-na, name: 李娜}
"""


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands run in tests cache into a temporary folder, never the user's ~/.cache."""
    os.environ["KAM_CACHE_DIR"] = str(tmp_path_factory.mktemp("kam-cache"))


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Callable[..., Path]:
    """ledger_dir({"acme/visits/2026-11-02.yaml": "..."}) -> a ledger root with acme's dossier."""

    def make(files: dict[str, str | bytes] | None = None, dossier: str | None = DOSSIER) -> Path:
        root = tmp_path / "ledger"
        root.mkdir(exist_ok=True)
        base: dict[str, str | bytes] = {"acme/dossier.yaml": dossier} if dossier else {}
        return write_files(root, {**base, **(files or {})})

    return make


@pytest.fixture
def checked(ledger_dir: Callable[..., Path]) -> Callable[..., Checked]:
    def run(files: dict[str, str | bytes] | None = None, **kw: object) -> Checked:
        as_of = kw.pop("as_of", AS_OF)
        return check(ledger_dir(files, **kw), as_of)  # type: ignore[arg-type]

    return run


def codes(result: Checked) -> list[tuple[str, str, int]]:
    """(file, code, line) of every diagnostic."""
    return [(d.file, d.code, d.line) for d in result.diagnostics]


@pytest.fixture
def kam() -> Callable[..., Result]:
    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """sample_site("en") -> the sample ledger's site built as of AS_OF (once per session)."""
    from ledger.render.build import build_site

    built: dict[str, Path] = {}

    def get(lang: str) -> Path:
        if lang not in built:
            out = tmp_path_factory.mktemp(f"site-{lang}") / "site"
            build_site(check(SAMPLE, AS_OF), out, AS_OF, lang)
            built[lang] = out
        return built[lang]

    return get
