"""FORMAT §2: the YAML dialect. Each broken file gets its code, line and column."""

from __future__ import annotations

import pytest

from ledger.load.yamlfile import parse
from tests.conftest import DOSSIER, codes

VISIT = "acme/visits/2026-11-02.yaml"


def one(result, file=VISIT):
    found = [d for d in result.diagnostics if d.file == file]
    assert len(found) == 1, found
    return found[0]


def test_plain_values_follow_yaml_1_2_core_without_timestamps():
    value, problems = parse(
        b"d: 2026-11-02\nyes_: yes\nno_: NO\non_: on\nt: true\nf: False\nn: ~\ni: 012\n"
        b"x: 0x1F\nfl: 1.5\ns: '12'\nsexa: 1:20\nus: 1_000\n",
        "f.yaml",
    )
    assert problems == []
    assert value == {
        "d": "2026-11-02",
        "yes_": "yes",
        "no_": "NO",
        "on_": "on",
        "t": True,
        "f": False,
        "n": None,
        "i": 12,
        "x": 31,
        "fl": 1.5,
        "s": "12",
        "sexa": "1:20",
        "us": "1_000",
    }


def test_bom_is_accepted():
    value, problems = parse("\ufeffname: 测试\n".encode(), "f.yaml")
    assert problems == [] and value == {"name": "测试"}


def test_wrong_enum_value(checked):
    d = one(checked({VISIT: "date: 2026-11-02\nmode: boat\nsummary: 面谈\n"}))
    assert (d.code, d.line, d.column) == ("schema", 2, 7)
    assert "onsite" in d.message and "boat" in d.message


def test_wrong_type(checked):
    result = checked(
        {"acme/dossier.yaml": DOSSIER + "revenue:\n  - {period: 2026-01, amount: '4,800,000'}\n"}
    )
    d = one(result, "acme/dossier.yaml")
    assert (d.code, d.line, d.column) == ("schema", 7, 31)
    assert "number" in d.message
    assert "thousands separators" in d.hint


def test_unknown_key_points_at_the_key_and_suggests(checked):
    result = checked({VISIT: "date: 2026-11-02\nmode: phone\nsumary: 面谈\n"})
    missing, d = result.diagnostics  # the typo also leaves 'summary' missing
    assert "missing 'summary', required when status is done" in missing.message
    assert (d.code, d.line, d.column) == ("schema", 3, 1)
    assert "sumary" in d.message
    assert "did you mean 'summary'" in d.hint


def test_x_keys_are_allowed_and_kept(checked):
    result = checked({VISIT: "date: 2026-11-02\nmode: phone\nsummary: 面谈\nx-crm-id: 42\n"})
    assert result.diagnostics == []
    assert result.ledger.accounts[0].visits[0].extra == {"x-crm-id": 42}


def test_bad_calendar_date(checked):
    d = one(checked({VISIT: "date: 2026-02-30\nmode: phone\nsummary: 面谈\n"}))
    assert (d.code, d.line, d.column) == ("bad-date", 1, 7)
    assert "2026-02-30" in d.message


@pytest.mark.parametrize("value", ["2026/11/02", "2026-1-2", "20261102"])
def test_date_in_another_form(checked, value):
    d = one(
        checked(
            {
                "acme/complaints/2026-11-02.yaml": f"opened: {value}\nsummary: x\n"
                "category: delivery\nseverity: low\nstatus: open\n"
            }
        ),
        "acme/complaints/2026-11-02.yaml",
    )
    assert d.line == 1 and d.column == 9
    assert d.code in ("bad-date", "schema")


def test_duplicate_key_names_both_lines(checked):
    d = one(checked({VISIT: "date: 2026-11-02\nmode: phone\nsummary: a\nmode: video\n"}))
    assert (d.code, d.line, d.column) == ("duplicate-key", 4, 1)
    assert "line 2" in d.message and "line 4" in d.message


def test_alias_and_anchor_are_refused(checked):
    d = one(checked({VISIT: "date: &d 2026-11-02\nmode: phone\nsummary: *d\n"}))
    assert (d.code, d.line, d.column) == ("yaml-feature", 1, 7)
    assert "anchor" in d.message


def test_alias_alone_is_refused():
    _, problems = parse(b"a: 1\nb: *x\n", "f.yaml")
    assert [(p.code, p.line) for p in problems] in ([("yaml-feature", 2)], [("yaml-syntax", 2)])


def test_python_tag_is_refused_and_never_constructed(checked, tmp_path):
    marker = tmp_path / "pwned"
    text = (
        "date: 2026-11-02\nmode: phone\n"
        f"summary: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    d = one(checked({VISIT: text}))
    assert (d.code, d.line, d.column) == ("yaml-feature", 3, 10)
    assert "!!python/object/apply" in d.message
    assert not marker.exists()


@pytest.mark.parametrize("text", ["x: !!str 12\n", "x: !custom 12\n", "x: !!map {a: 1}\n"])
def test_every_explicit_tag_is_refused(text):
    _, problems = parse(text.encode(), "f.yaml")
    assert [(p.code, p.line, p.column) for p in problems] == [("yaml-feature", 1, 4)]


def test_merge_key_is_refused():
    _, problems = parse(b"a:\n  <<: {b: 1}\n  c: 2\n", "f.yaml")
    assert [(p.code, p.line, p.column) for p in problems] == [("yaml-feature", 2, 3)]


def test_syntax_error_has_line_column_and_hint(checked):
    d = one(checked({VISIT: "date: 2026-11-02\nmode: phone\nsummary: 会谈: 续约\n"}))
    assert (d.code, d.line, d.column) == ("yaml-syntax", 3, 12)
    assert "quoted" in d.hint
    assert d.source == "summary: 会谈: 续约"


def test_second_document_is_refused():
    _, problems = parse(b"a: 1\n---\nb: 2\n", "f.yaml")
    assert [(p.code, p.line) for p in problems] == [("yaml-syntax", 2)]
    assert "one YAML document" in problems[0].message


def test_file_over_one_mebibyte_is_refused(checked):
    big = "date: 2026-11-02\nmode: phone\nsummary: a\nnotes: " + "x" * (1 << 20) + "\n"
    d = one(checked({VISIT: big}))
    assert d.code == "file-too-large"


def test_deep_nesting_is_refused_without_crashing():
    _, problems = parse(b"a: " + b"[" * 200_000 + b"]" * 200_000, "f.yaml")
    assert [p.code for p in problems] == ["yaml-feature"]
    assert "nesting" in problems[0].message


def test_invalid_utf8_is_reported_with_position():
    _, problems = parse(b"name: ok\nnotes: \xff\xfe bad\n", "f.yaml")
    assert [(p.code, p.line) for p in problems] == [("bad-encoding", 2)]


def test_empty_record_file(checked):
    d = one(checked({VISIT: "# only a comment\n"}))
    assert d.code == "empty-file"


def test_mapping_required_at_top(checked):
    d = one(checked({VISIT: "- date: 2026-11-02\n"}))
    assert d.code == "schema" and "mapping" in d.message


def test_problems_of_all_files_in_one_run_sorted(checked):
    result = checked(
        {
            "acme/visits/2026-11-03.yaml": "date: 2026-11-03\nmode: boat\nsummary: a\n",
            VISIT: "date: 2026-11-02\nmode: phone\nsummary: a\nsummary: b\n",
            "acme/complaints/2026-11-01.yaml": "opened: 2026-11-01\n",
        }
    )
    files = [d.file for d in result.diagnostics]
    assert files == sorted(files)
    assert {c for _, c, _ in codes(result)} == {"schema", "duplicate-key"}
    assert len(set(files)) == 3
