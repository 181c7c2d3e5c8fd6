#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""report.py: turns the microbenchmark results of the three configurations
(a: no agent, b: agent auditing another cgroup, c: agent auditing the
benchmark) into a plain table and a markdown snippet with the ratios b/a and
c/a, next to the paper's ProvBPF/vanilla ratio for the same lmbench row.

    /usr/bin/python3 bench/report.py DIR [--markdown FILE]
    /usr/bin/python3 bench/report.py --none A.json --other B.json --self C.json [--markdown FILE]

DIR is what bench/run-guest.sh wrote: none.json, other.json, self.json (one
JSON object per line, as `microbench --json` prints them), env.txt and the
agents' *-stats.json. In DIR mode a missing configuration is shown as "-";
files named explicitly must exist. The table goes to standard output; the
markdown too, unless --markdown FILE is given.
"""

import argparse
import glob
import json
import math
import os
import sys

CONFIGS = ("none", "other", "self")

# The paper's lmbench table (SoCC 2021, bare metal, Linux 5.11): vanilla and
# ProvBPF microseconds per row, keyed by our row names. The paper's "fork"
# row is taken to be lmbench's fork+exit ("fork proc").
PAPER = {
    "null": (0.30, 0.29),
    "stat": (1.04, 1.40),
    "fstat": (0.52, 0.66),
    "open/close": (1.80, 2.62),
    "read": (0.40, 0.56),
    "write": (0.36, 0.53),
    "fork+exit": (295.6, 317.8),
    "create-0k": (10.31, 13.10),
    "delete-0k": (11.25, 12.80),
    "create-10k": (16.55, 20.65),
    "delete-10k": (13.45, 15.55),
    "pipe": (6.06, 6.55),
    "af_unix": (6.60, 9.72),
}


class ReportError(Exception):
    """A result file that cannot be read or does not hold valid rows."""


def load_results(path):
    """Reads one configuration's JSON lines into {row: record}, keeping the
    file's row order. Raises ReportError naming the file and line."""
    rows = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror}") from e
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ReportError(f"{where}: not JSON ({e.msg}); expected microbench --json output") from e
        check_record(record, where)
        if record["row"] in rows:
            raise ReportError(f"{where}: row '{record['row']}' appears twice")
        rows[record["row"]] = record
    if not rows:
        raise ReportError(f"{path}: no result rows (did the benchmark run?)")
    return rows


def check_record(record, where):
    """Raises ReportError unless record has the fields microbench writes."""
    if not isinstance(record, dict):
        raise ReportError(f"{where}: expected a JSON object")
    if not isinstance(record.get("row"), str) or not record["row"]:
        raise ReportError(f"{where}: missing the \"row\" name")
    for key in ("us", "stddev_us"):
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
            raise ReportError(f"{where}: \"{key}\" must be a non-negative number, got {value!r}")
    if not isinstance(record.get("iterations"), int) or record["iterations"] < 1:
        raise ReportError(f"{where}: \"iterations\" must be a positive integer")


def ratio(results, row, numerator, denominator="none"):
    """(ratio, spread) of two configurations' medians for row, or None when
    either is missing or the denominator is 0. The spread combines the two
    relative standard deviations (first-order error propagation)."""
    top = results.get(numerator, {}).get(row)
    bottom = results.get(denominator, {}).get(row)
    if top is None or bottom is None or bottom["us"] == 0 or top["us"] == 0:
        return None
    value = top["us"] / bottom["us"]
    spread = value * math.hypot(top["stddev_us"] / top["us"], bottom["stddev_us"] / bottom["us"])
    return value, spread


def best_ratio(results, row, numerator, denominator="none"):
    """Ratio of the two configurations' fastest repetitions over all rounds
    ("best_us", written by run-guest.sh), or None. On a busy host the
    fastest repetition is the one least disturbed by others."""
    top = results.get(numerator, {}).get(row, {}).get("best_us")
    bottom = results.get(denominator, {}).get(row, {}).get("best_us")
    if not isinstance(top, (int, float)) or not isinstance(bottom, (int, float)) or top <= 0 or bottom <= 0:
        return None
    return top / bottom


def fmt_plain(value):
    return "-" if value is None else f"{value:.2f}"


def paper_ratio(row):
    if row not in PAPER:
        return None
    vanilla, provbpf = PAPER[row]
    return provbpf / vanilla


def row_order(results):
    """Rows in the order of the first configuration that has them."""
    order = []
    for config in CONFIGS:
        for row in results.get(config, {}):
            if row not in order:
                order.append(row)
    return order


def fmt_us(results, config, row):
    record = results.get(config, {}).get(row)
    return "-" if record is None else f"{record['us']:.3f}"


def fmt_ratio(r, with_spread=False):
    if r is None:
        return "-"
    value, spread = r
    return f"{value:.2f} ± {spread:.2f}" if with_spread else f"{value:.2f}"


def text_table(results):
    lines = [
        f"{'row':<12} {'a:none us':>12} {'b:other us':>12} {'c:self us':>12} {'b/a':>6} {'c/a':>6} "
        f"{'b/a*':>6} {'c/a*':>6} {'paper':>6}"
    ]
    for row in row_order(results):
        lines.append(
            f"{row:<12} {fmt_us(results, 'none', row):>12} {fmt_us(results, 'other', row):>12} "
            f"{fmt_us(results, 'self', row):>12} {fmt_ratio(ratio(results, row, 'other')):>6} "
            f"{fmt_ratio(ratio(results, row, 'self')):>6} {fmt_plain(best_ratio(results, row, 'other')):>6} "
            f"{fmt_plain(best_ratio(results, row, 'self')):>6} {fmt_plain(paper_ratio(row)):>6}"
        )
    lines.append("(b/a*, c/a*: ratios of the fastest repetitions over all rounds)")
    return "\n".join(lines) + "\n"


def markdown(results, env_lines, agent_stats):
    out = [
        "| row | a: no agent (us) | b: agent audits another cgroup (us) | c: agent audits the benchmark (us) "
        "| b/a | c/a | b/a best | c/a best | paper ProvBPF/vanilla |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in row_order(results):
        out.append(
            f"| {row} | {fmt_us(results, 'none', row)} | {fmt_us(results, 'other', row)} "
            f"| {fmt_us(results, 'self', row)} | {fmt_ratio(ratio(results, row, 'other'), True)} "
            f"| {fmt_ratio(ratio(results, row, 'self'), True)} | {fmt_plain(best_ratio(results, row, 'other'))} "
            f"| {fmt_plain(best_ratio(results, row, 'self'))} | {fmt_plain(paper_ratio(row))} |"
        )
    out.append("")
    rounds = max((r.get("rounds", 1) for rows in results.values() for r in rows.values()), default=1)
    how = "Median time per operation over the repetitions of each row"
    if rounds > 1:
        how += (
            f", from the median of {rounds} rounds (the configurations run in turn, in an order "
            "rotating from round to round, so that drift of the machine hits all three alike)"
        )
    out.append(
        how + "; ± is the ratio's spread from the two standard deviations of that round. "
        "The \"best\" columns compare the fastest repetitions of all rounds, the ones least "
        "disturbed by other load. "
        "The paper column is ProvBPF/vanilla from the saBPF paper (bare metal, Linux 5.11); "
        "its \"fork\" row is shown against fork+exit."
    )
    if env_lines:
        out.append("")
        out.append("Conditions: " + "; ".join(env_lines) + ".")
        if any("TCG" in line for line in env_lines):
            out.append(
                "Measured in a QEMU/TCG virtual machine: absolute times are many times native "
                "and only the ratios within this one boot are meaningful."
            )
    for config, stats in agent_stats.items():
        out.append("")
        out.append(
            f"Agent in configuration {config}, over {stats['rounds']} run(s): {stats['records']} records, "
            f"{stats['lost']} lost in user space, {stats['kernel_lost']} lost in the kernel."
        )
    return "\n".join(out) + "\n"


def read_env(directory):
    path = os.path.join(directory, "env.txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def read_agent_stats(directory):
    """The agents' counters (sabpf --stats), summed over the rounds that
    bench/run-guest.sh left in DIR/rounds/CONFIG-stats-N.json."""
    stats = {}
    for config in ("other", "self"):
        paths = sorted(glob.glob(os.path.join(directory, "rounds", f"{config}-stats-*.json")))
        if not paths:
            continue
        total = {"rounds": len(paths), "records": 0, "lost": 0, "kernel_lost": 0}
        for path in paths:
            try:
                with open(path, encoding="utf-8") as f:
                    counters = json.load(f)
            except (OSError, json.JSONDecodeError) as e:
                raise ReportError(f"{path}: cannot read the agent's counters: {e}") from e
            for key in ("records", "lost", "kernel_lost"):
                if not isinstance(counters.get(key), int):
                    raise ReportError(f"{path}: \"{key}\" missing or not an integer")
                total[key] += counters[key]
        stats[config] = total
    return stats


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", help="directory written by bench/run-guest.sh")
    for config in CONFIGS:
        parser.add_argument(f"--{config}", metavar="FILE", help=f"results of configuration '{config}'")
    parser.add_argument("--markdown", metavar="FILE", help="write the markdown snippet here")
    args = parser.parse_args(argv)
    explicit = [c for c in CONFIGS if getattr(args, c)]
    if args.dir and explicit:
        parser.error("give either DIR or --none/--other/--self, not both")
    if not args.dir and not explicit:
        parser.error("give DIR (from bench/run-guest.sh) or --none/--other/--self FILE")
    return args


def main(argv):
    args = parse_args(argv)
    results, env_lines, agent_stats = {}, [], {}
    try:
        if args.dir:
            if not os.path.isdir(args.dir):
                raise ReportError(f"{args.dir}: not a directory (run bench/run.sh first)")
            for config in CONFIGS:
                path = os.path.join(args.dir, f"{config}.json")
                if os.path.exists(path):
                    results[config] = load_results(path)
                else:
                    print(f"report.py: warning: {path} missing: configuration '{config}' shown as -", file=sys.stderr)
            if not results:
                raise ReportError(f"{args.dir}: none of none.json, other.json, self.json exists")
            env_lines = read_env(args.dir)
            agent_stats = read_agent_stats(args.dir)
        else:
            for config in CONFIGS:
                path = getattr(args, config)
                if path:
                    results[config] = load_results(path)
    except ReportError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1

    sys.stdout.write(text_table(results))
    snippet = markdown(results, env_lines, agent_stats)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(snippet)
        print(f"markdown written to {args.markdown}")
    else:
        sys.stdout.write("\n" + snippet)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
