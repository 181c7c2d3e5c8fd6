# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_report.py: tests of bench/report.py (reading microbench JSON lines,
ratios and their spread, the table, the markdown, the agents' counters).

    /usr/bin/python3 -m pytest -q bench/test_report.py
"""

import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def record(row, us, stddev=0.0, **extra):
    r = {"row": row, "us": us, "stddev_us": stddev, "min_us": us, "max_us": us, "mean_us": us,
         "iterations": 100, "repetitions": 5}
    r.update(extra)
    return r


def write_lines(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_load_results_keeps_order_and_values(tmp_path):
    path = write_lines(tmp_path / "a.json", [record("stat", 1.5), record("null", 0.25)])
    rows = report.load_results(path)
    assert list(rows) == ["stat", "null"]
    assert rows["null"]["us"] == 0.25


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "not JSON"),
        ('{"us": 1, "stddev_us": 0, "iterations": 1}', 'missing the "row" name'),
        ('{"row": "x", "us": -1, "stddev_us": 0, "iterations": 1}', '"us" must be a non-negative number'),
        ('{"row": "x", "us": "1", "stddev_us": 0, "iterations": 1}', '"us" must be a non-negative number'),
        ('{"row": "x", "us": 1, "stddev_us": 0, "iterations": 0}', '"iterations" must be a positive integer'),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_load_results_rejects_bad_lines_with_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(record("ok", 1.0)) + "\n" + line + "\n")
    with pytest.raises(report.ReportError) as e:
        report.load_results(str(path))
    assert f"{path}:2:" in str(e.value)
    assert message in str(e.value)


def test_load_results_rejects_duplicate_rows_and_empty_files(tmp_path):
    dup = write_lines(tmp_path / "dup.json", [record("stat", 1.0), record("stat", 2.0)])
    with pytest.raises(report.ReportError, match="row 'stat' appears twice"):
        report.load_results(dup)
    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    with pytest.raises(report.ReportError, match="no result rows"):
        report.load_results(str(empty))
    with pytest.raises(report.ReportError, match="No such file"):
        report.load_results(str(tmp_path / "missing.json"))


def test_ratio_and_its_spread():
    results = {"none": {"stat": record("stat", 2.0, 0.2)}, "self": {"stat": record("stat", 3.0, 0.3)}}
    value, spread = report.ratio(results, "stat", "self")
    assert value == pytest.approx(1.5)
    # both relative deviations are 10 %: 1.5 * sqrt(0.01 + 0.01)
    assert spread == pytest.approx(1.5 * math.sqrt(0.02))
    assert report.ratio(results, "stat", "other") is None
    assert report.ratio(results, "null", "self") is None


def test_text_table_shows_missing_configurations_and_paper_ratio():
    results = {"none": {"open/close": record("open/close", 2.0)},
               "self": {"open/close": record("open/close", 3.0), "fork+exec": record("fork+exec", 500.0)}}
    lines = report.text_table(results).splitlines()
    assert lines[0].split() == ["row", "a:none", "us", "b:other", "us", "c:self", "us", "b/a", "c/a",
                                "b/a*", "c/a*", "paper"]
    assert lines[1].split() == ["open/close", "2.000", "-", "3.000", "-", "1.50", "-", "-", "1.46"]
    assert lines[2].split() == ["fork+exec", "-", "-", "500.000", "-", "-", "-", "-", "-"]


def test_best_ratio_uses_the_fastest_repetitions():
    results = {"none": {"read": record("read", 2.0, best_us=1.0)},
               "other": {"read": record("read", 2.2, best_us=1.25)},
               "self": {"read": record("read", 3.0)}}
    assert report.best_ratio(results, "read", "other") == pytest.approx(1.25)
    assert report.best_ratio(results, "read", "self") is None
    line = report.text_table(results).splitlines()[1].split()
    assert line == ["read", "2.000", "2.200", "3.000", "1.10", "1.50", "1.25", "-", "1.40"]


def test_markdown_mentions_tcg_rounds_and_agent_counters():
    results = {"none": {"null": record("null", 1.0, 0.0, rounds=3)},
               "other": {"null": record("null", 1.1, 0.0, rounds=3)}}
    env = ["kernel: 6.1.0", "machine: QEMU guest (under TCG from tests/vm/run.sh: compare only ratios within this boot)"]
    stats = {"self": {"rounds": 3, "records": 30, "lost": 0, "kernel_lost": 2}}
    md = report.markdown(results, env, stats)
    assert "| null | 1.000 | 1.100 | - | 1.10 ± 0.00 | - | - | - | 0.97 |" in md
    assert "median of 3 rounds" in md
    assert "QEMU/TCG virtual machine" in md
    assert "Agent in configuration self, over 3 run(s): 30 records, 0 lost in user space, 2 lost in the kernel." in md


def test_markdown_without_tcg_has_no_tcg_warning():
    md = report.markdown({"none": {"null": record("null", 1.0)}}, ["machine: AMD EPYC"], {})
    assert "TCG" not in md


def test_agent_stats_are_summed_over_rounds(tmp_path):
    rounds = tmp_path / "rounds"
    rounds.mkdir()
    (rounds / "other-stats-1.json").write_text('{"records": 5, "lost": 1, "kernel_lost": 0}')
    (rounds / "other-stats-2.json").write_text('{"records": 7, "lost": 0, "kernel_lost": 3}')
    stats = report.read_agent_stats(str(tmp_path))
    assert stats == {"other": {"rounds": 2, "records": 12, "lost": 1, "kernel_lost": 3}}
    (rounds / "self-stats-1.json").write_text('{"records": "many"}')
    with pytest.raises(report.ReportError, match='"records" missing or not an integer'):
        report.read_agent_stats(str(tmp_path))


def test_main_on_a_directory_writes_markdown(tmp_path, capsys):
    write_lines(tmp_path / "none.json", [record("pipe", 10.0)])
    write_lines(tmp_path / "self.json", [record("pipe", 12.0)])
    md = tmp_path / "report.md"
    assert report.main([str(tmp_path), "--markdown", str(md)]) == 0
    out = capsys.readouterr()
    assert "other.json missing" in out.err
    assert out.out.splitlines()[1].split() == ["pipe", "10.000", "-", "12.000", "-", "1.20", "-", "-", "1.08"]
    assert "| pipe | 10.000 | - | 12.000 | - | 1.20 ± 0.00 | - | - | 1.08 |" in md.read_text()


def test_main_fails_clearly_on_an_empty_directory(tmp_path, capsys):
    assert report.main([str(tmp_path)]) == 1
    assert "none of none.json, other.json, self.json exists" in capsys.readouterr().err
