"""kam diff and the history on account pages, on crafted histories in real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, write_files

from ledger.render.site import account_href

DAY = AS_OF.isoformat()
LEDGER = "tiers: {cutoffs: {A: 0.5, B: 0.9}}\n"


def dossier(name: str, revenue: list[tuple[str, int]], extra: str = "") -> str:
    items = ", ".join(f"{{period: {p}, amount: {a}}}" for p, a in revenue)
    return (
        f"name: {name}\nmanager: 王磊\nreviewed_on: 2026-10-01\n"
        "contacts: [{id: zhang-wei, name: 张伟}]\n"
        f"revenue: [{items}]\n{extra}"
    )


VISIT = "date: {day}\nmode: phone\nsummary: ok\n"
OPEN = "opened: {day}\nsummary: late\ncategory: delivery\nseverity: high\nstatus: open\n"
RESOLVED = OPEN.replace("status: open", "status: resolved\nresolved: 2026-11-12\nresolution: ok")


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = path / "accounts"
        self.root.mkdir(parents=True)
        self.git("init", "-q")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=Li Na", "-c", "user.email=li@example.com", *args],
            cwd=self.path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def commit(self, message: str, files: dict[str, str], remove: tuple[str, ...] = ()) -> None:
        write_files(self.root, files)
        for rel in remove:
            self.git("rm", "-rq", f"accounts/{rel}")
        self.git("add", "-A")
        self.git("commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit(
        "Start the ledger",
        {
            "ledger.yaml": LEDGER,
            "acme/dossier.yaml": dossier("Acme", [("2026-10", 900)]),
            "acme/visits/2026-11-01.yaml": VISIT.format(day="2026-11-01"),
            "acme/complaints/2026-11-10.yaml": OPEN.format(day="2026-11-10"),
            "acme/complaints/2026-11-11.yaml": RESOLVED.format(day="2026-11-11"),
            "beta/dossier.yaml": dossier("Beta", [("2026-10", 100)]),
            "delta/dossier.yaml": dossier("Delta", [("2026-10", 50)]),
        },
    )
    repo.commit(
        "Acme: new manager, Beta's big order, visits and complaints",
        {
            "acme/dossier.yaml": dossier(
                "Acme", [("2026-10", 900)], "stage: supplier\ncredit: {limit: 5000}\n"
            ).replace("王磊", "李娜"),
            "acme/visits/2026-11-20.yaml": VISIT.format(day="2026-11-20"),
            "acme/complaints/2026-11-10.yaml": OPEN.format(day="2026-11-10").replace(
                "status: open", "status: resolved\nresolved: 2026-11-12\nresolution: fixed"
            ),
            "acme/complaints/2026-11-11.yaml": RESOLVED.format(day="2026-11-11").replace(
                "status: resolved", "status: closed"
            ),
            "acme/complaints/2026-11-25.yaml": OPEN.format(day="2026-11-25"),
            "beta/dossier.yaml": dossier("Beta", [("2026-10", 100), ("2026-11", 2000)]),
            "gamma/dossier.yaml": dossier("Gamma", [], "status: prospect\n"),
        },
        remove=("delta",),
    )
    return repo


def test_diff_reports_every_kind_of_change(repo, kam):
    result = kam(
        "--ledger", str(repo.root), "diff", "HEAD~1", "HEAD", "--as-of", DAY, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"], doc["as_of"]) == ("HEAD~1", "HEAD", DAY)
    changes = {
        a["account"]: {(c["kind"], c["what"]): (c["before"], c["after"]) for c in a["changes"]}
        for a in doc["accounts"]
    }
    acme = changes["acme"]
    assert acme[("field", "manager")] == ("王磊", "李娜")
    assert acme[("field", "stage")] == (None, "supplier")
    assert acme[("field", "credit.limit")] == (None, 5000)
    assert acme[("visit_added", "2026-11-20")] == (None, "done")
    assert acme[("complaint_opened", "2026-11-25")] == (None, "open")
    assert acme[("complaint_resolved", "2026-11-10")] == ("open", "resolved")
    assert acme[("complaint_closed", "2026-11-11")] == ("resolved", "closed")
    # the new visit and the lower tier (B: 60 days, not A: 30) move the revisit;
    # the resolved complaint's deadline item goes away
    assert acme[("due_moved", "revisit")] == ("2026-12-01", "2027-01-19")
    assert ("due_removed", "complaint_overdue 2026-11-10") in acme
    beta = changes["beta"]
    assert beta[("revenue_added", "2026-11")] == (None, 2000)
    assert beta[("tier", "tier")] == ("B", "A")  # Beta's order makes it the head of the book
    assert changes["acme"][("tier", "tier")] == ("A", "B")  # …and pushes Acme down
    assert changes["gamma"] == {
        ("account_added", "gamma"): (None, "Gamma"),
        ("due_added", "revisit"): (None, DAY),  # never visited: due on the as-of date
    }
    delta = changes["delta"]
    assert delta[("account_removed", "delta")] == ("Delta", None)
    assert delta[("tier", "tier")] == ("C", None)
    assert delta[("due_removed", "revisit")] == (DAY, None)


def test_diff_text_and_markdown(repo, kam):
    args = ("--ledger", str(repo.root), "diff", "HEAD~1", "HEAD", "--as-of", DAY)
    text = kam(*args).stdout
    assert "Changes from HEAD~1 to HEAD (figures as of 2026-11-30):" in text
    assert "  changed manager: 王磊 → 李娜" in text
    assert "  tier tier: B → A" in text
    markdown = kam(*args, "--format", "markdown").stdout
    assert markdown.startswith("### kam diff: `HEAD~1` → `HEAD`")
    assert "#### Beta (`beta`)" in markdown
    assert "- revenue added: 2026-11 (2,000)" in markdown


def test_diff_defaults_to_head_against_the_working_tree(repo, kam):
    assert (
        "No changes between HEAD and working tree."
        in kam("--ledger", str(repo.root), "diff", "--as-of", DAY).stdout
    )
    write_files(repo.root, {"gamma/visits/2026-11-29.yaml": VISIT.format(day="2026-11-29")})
    out = kam("--ledger", str(repo.root), "diff", "--as-of", DAY, "--format", "json").stdout
    doc = json.loads(out)
    assert doc["to"] == "working tree"
    assert [(a["account"], a["changes"][0]["kind"]) for a in doc["accounts"]] == [
        ("gamma", "visit_added")
    ]


def test_diff_usage_errors(repo, kam, tmp_path):
    bad = kam("--ledger", str(repo.root), "diff", "no-such-rev")
    assert bad.exit_code == 2 and "'no-such-rev' is not a revision" in bad.output
    flag = kam("--ledger", str(repo.root), "diff", "--", "--output=/tmp/x")
    assert flag.exit_code == 2
    outside = write_files(tmp_path / "plain", {"acme/dossier.yaml": dossier("A", [])})
    result = kam("--ledger", str(outside), "diff")
    assert result.exit_code == 2 and "not inside a git repository" in result.output


def test_account_pages_list_recent_commits(repo, kam, tmp_path):
    out = tmp_path / "site"
    assert (
        kam(
            "--ledger", str(repo.root), "build", "--as-of", DAY, "-o", str(out), "--lang", "en"
        ).exit_code
        == 0
    )
    page = BeautifulSoup((out / account_href("acme")).read_text(), "html.parser")
    rows = [
        [td.get_text() for td in tr.find_all("td")]
        for tr in page.select("#h-history ~ div table tbody tr")
    ]
    assert [r[2] for r in rows] == [
        "Acme: new manager, Beta's big order, visits and complaints",
        "Start the ledger",
    ]
    assert rows[0][1] == "Li Na"
    gamma = BeautifulSoup((out / account_href("gamma")).read_text(), "html.parser")
    assert len(gamma.select("#h-history ~ div table tbody tr")) == 1
