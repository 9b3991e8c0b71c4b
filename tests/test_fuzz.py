"""Fuzzing the loader (hypothesis): random documents and random mutations of the sample's files.
Validation never raises, and every diagnostic points inside the file it names.

``KAM_FUZZ_EXAMPLES`` sets the examples per test (default 300; docs/security.md reports runs of
20,000)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.live.server import site_path
from ledger.pipeline import check

EXAMPLES = int(os.environ.get("KAM_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SAMPLE_FILES = sorted(
    p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*.yaml") if p.name != "ledger.yaml"
)
YAML_BITS = [
    *":-[]{}#&*!|>'\"%@`,?=~ \n\t\r",
    "a", "1", "é", "中", "\x00", "\x85", "\u2028", "\u2029", "\ufeff", "\u202e",
    "date", "mode", "summary", "- ", ": ",
    "  ", "&a ", "*a", "!!str ", "---\n", "...\n", "2026-11-02", "null", "~", "0x1F", "1e3",
]  # fmt: skip


def assert_inside(root: Path, rel: str) -> None:
    result = check(root, AS_OF)  # must not raise
    data = (root / rel).read_bytes()
    lines = re.split(rb"\r\n|\r|\n|\xc2\x85|\xe2\x80[\xa8\xa9]", data)  # libyaml's breaks
    for d in result.diagnostics:
        assert d.message and d.code
        if d.file != rel:
            continue
        assert 1 <= d.line <= len(lines), (d, len(lines))
        assert d.column >= 1
        assert d.column <= len(lines[d.line - 1].decode("utf-8", "replace")) + 2, d


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "ledger"
    shutil.copytree(SAMPLE / "huadong-mobile", root / "huadong-mobile")
    shutil.copy(SAMPLE / "ledger.yaml", root / "ledger.yaml")
    return root


@pytest.mark.slow
@FUZZ
@given(text=st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=3), max_size=60).map("".join))
def test_random_documents(fuzz_root: Path, text: str) -> None:
    rel = "huadong-mobile/visits/2026-11-02-fuzz.yaml"
    (fuzz_root / rel).write_bytes(text.encode("utf-8", "surrogatepass"))
    assert_inside(fuzz_root, rel)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    rel = draw(st.sampled_from(SAMPLE_FILES))
    data = bytearray((SAMPLE / rel).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate-line", "indent"]))
        if action == "insert":
            data[at:at] = draw(st.sampled_from(YAML_BITS)).encode("utf-8", "surrogatepass")
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "replace" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif action == "duplicate-line":
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end < 0 else end + 1
            data[start:start] = data[start:end]
        else:
            start = data.rfind(b"\n", 0, at) + 1
            data[start:start] = b" " * draw(st.integers(1, 5))
    return rel, bytes(data)


@pytest.mark.slow
@FUZZ
@given(case=mutated())
def test_mutations_of_the_sample(tmp_path_factory: pytest.TempPathFactory, case) -> None:
    rel, data = case
    account = rel.split("/")[0]
    root = tmp_path_factory.mktemp("mutant") / "ledger"
    shutil.copytree(SAMPLE / account, root / account)
    (root / rel).write_bytes(data)
    assert_inside(root, rel)
    shutil.rmtree(root.parent)


@FUZZ
@given(
    url=st.lists(st.sampled_from([*"/.%2e5cfF\\:?#a0", "%2e", "%2f", "%00", "%25"])).map("".join)
)
def test_served_paths_never_escape(url: str) -> None:
    path = site_path("/" + url)
    if path is not None:
        assert ".." not in path.split("/") and not path.startswith("/")
        assert "\\" not in path and "\x00" not in path
