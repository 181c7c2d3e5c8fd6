#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""native_report.py: docs/performance.md's native tables, generated from the
data bench/native.py wrote. No figure in them is typed by hand.

    /usr/bin/python3 bench/native_report.py DATA.json [--doc docs/performance.md]
                                             [--markdown FILE]

Without --doc the markdown goes to standard output (or FILE). With --doc
the text between the lines "<!-- native:begin -->" and "<!-- native:end -->"
of that file is replaced (both lines must be there, once each). DATA is
checked first: a file that is not bench/native.py's format, or an entry
missing a field a table needs, is an error naming the entry (exit 1).

Statistics: each micro and macro cell is the median over rounds of that
configuration's per-round value (a micro round's value is itself the median
of microbench's repetitions), with the range of the rounds beside it.
Overhead is median(config) / median(none) - 1 for times, 1 -
median(config) / median(none) for throughputs. A cell with any measurement
taken while others kept more than 0.5 CPU busy (or steal above 5%) is marked
with a dagger and counted in the conditions table.
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import PAPER  # noqa: E402  the paper's lmbench table, one copy

CONFIGS = ("none", "auditd", "trace-other", "trace-self")
BEGIN = "<!-- native:begin -->"
END = "<!-- native:end -->"
# targets of issue 10 (reported, not tuned to)
TARGET_ROWS = ("open/close", "stat", "read", "write")
TARGET_UNAUDITED = 0.02
TARGET_DRAIN = 1_000_000
ROW_NAMES = {"null": "null syscall", "open/close": "open/close", "af_unix": "AF_UNIX",
             "create-0k": "create 0k", "delete-0k": "delete 0k", "create-10k": "create 10k",
             "delete-10k": "delete 10k"}
MACRO_NAMES = {"untar": "untar a source tarball", "build": "compile sabpf's user space (gcc -O2, 2 jobs)",
               "postmark": "postmark (small files)", "redis": "redis-benchmark SET+GET (unix socket)",
               "nginx": "wrk against nginx (1 KiB page, loopback)"}


class DataError(Exception):
    pass


def need(entry, key, kind, where):
    value = entry.get(key)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        what = "a number" if kind == (int, float) else f"of type {kind.__name__}"
        raise DataError(f"{where}: field \"{key}\" missing or not {what} (got {value!r})")
    return value


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise DataError(f"{path}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise DataError(f"{path}: not JSON ({e.msg} at line {e.lineno}); expected the output "
                        "of bench/native.py") from e
    if not isinstance(doc, dict) or doc.get("format") != "sabpf-bench-native/1":
        raise DataError(f"{path}: not a bench/native.py result (format "
                        f"{doc.get('format') if isinstance(doc, dict) else None!r}, expected "
                        "'sabpf-bench-native/1')")
    for key, kind in (("results", list), ("failures", list), ("host", dict), ("settings", dict),
                      ("command", str), ("started", str)):
        need(doc, key, kind, path)
    for i, entry in enumerate(doc["results"]):
        where = f"{path}: results[{i}]"
        if not isinstance(entry, dict):
            raise DataError(f"{where}: expected an object")
        part = need(entry, "part", str, where)
        if part in ("micro", "macro", "drain", "scale", "progs"):
            need(entry, "name", str, where)
            if need(entry, "config", str, where) not in CONFIGS:
                raise DataError(f"{where}: unknown configuration {entry['config']!r}")
            cond = need(entry, "conditions", dict, where)
            need(cond, "disturbed", bool, where + ".conditions")
            for key in ("loadavg_before", "loadavg_after", "others_cpu", "steal"):
                need(cond, key, (int, float), where + ".conditions")
        if part == "progs":
            for name, p in need(entry, "programs", dict, where).items():
                if not isinstance(p, dict) or not isinstance(p.get("runs"), int) or \
                        p["runs"] < 1 or not isinstance(p.get("ns"), int):
                    raise DataError(f"{where}: programs.{name}: expected runs >= 1 and ns")
        if part in ("micro", "scale", "progs"):
            if need(entry, "us", (int, float), where) <= 0:
                raise DataError(f"{where}: \"us\" must be positive")
        if part == "macro":
            if need(entry, "value", (int, float), where) <= 0:
                raise DataError(f"{where}: \"value\" must be positive")
            if need(entry, "unit", str, where) not in ("s", "req/s"):
                raise DataError(f"{where}: unit {entry['unit']!r}: expected s or req/s")
        if part == "drain":
            need(entry, "calls", int, where)
            need(entry, "rate", (int, float), where)
            need(entry, "agent_cpu_s", (int, float), where)
            need(entry, "ring", str, where)
        if part == "scale-memory":
            for key in ("cgroups", "rss_bytes", "map_bytes"):
                need(entry, key, int, where)
    return doc


def fmt_num(v, digits=3):
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.1f}"
    if v >= 10:
        return f"{v:.2f}"
    return f"{v:.{digits}f}"


def pct(v):
    return f"{v * 100:+.1f}%"


class Cell:
    """The rounds of one (part, config, name)."""

    def __init__(self, entries, key):
        self.values = [e[key] for e in entries]
        self.median = statistics.median(self.values)
        self.disturbed = sum(1 for e in entries if e["conditions"]["disturbed"])
        self.n = len(entries)

    def text(self):
        s = fmt_num(self.median)
        if self.n > 1:
            s += f" ({fmt_num(min(self.values))}-{fmt_num(max(self.values))})"
        return s + (" †" if self.disturbed else "")


def cells(doc, part, key):
    grouped = {}
    for e in doc["results"]:
        if e["part"] == part:
            grouped.setdefault((e["name"], e["config"]), []).append(e)
    order = []
    for e in doc["results"]:
        if e["part"] == part and e["name"] not in order:
            order.append(e["name"])
    return order, {k: Cell(v, key) for k, v in grouped.items()}


def overhead(cell, base, throughput=False):
    if cell is None or base is None or base.median == 0:
        return None
    if throughput:
        return 1 - cell.median / base.median
    return cell.median / base.median - 1


def micro_table(doc, out):
    order, c = cells(doc, "micro", "us")
    if not order:
        out.append("Not measured in this run.")
        return {}
    out.append("| row | none µs | auditd µs (overhead) | sabpf, other container µs (overhead) "
               "| sabpf, audited µs (overhead) | sabpf / auditd overhead | ProvBPF (paper) |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    summary = {}
    for row in order:
        base = c.get((row, "none"))
        line = [ROW_NAMES.get(row, row), base.text() if base else "-"]
        ovh = {}
        for config in CONFIGS[1:]:
            cell = c.get((row, config))
            ovh[config] = overhead(cell, base)
            line.append("-" if cell is None else
                        cell.text() + ("" if ovh[config] is None else f" ({pct(ovh[config])})"))
        a, s = ovh.get("auditd"), ovh.get("trace-self")
        line.append("-" if a is None or s is None or a <= 0 or s < 0 else f"{s / a:.3f}")
        paper = PAPER.get(row)
        line.append("-" if paper is None else pct(paper[1] / paper[0] - 1))
        out.append("| " + " | ".join(line) + " |")
        summary[row] = ovh
    return summary


def targets_table(doc, micro, drain_best, out):
    out.append("| target | row | measured | target | met |")
    out.append("| --- | --- | ---: | ---: | :---: |")

    def verdict(ok):
        return "-" if ok is None else ("yes" if ok else "**no**")

    for row in TARGET_ROWS:
        ovh = micro.get(row)
        if not ovh:
            continue
        self_o, auditd_o = ovh.get("trace-self"), ovh.get("auditd")
        paper = PAPER[row][1] / PAPER[row][0] - 1
        out.append(f"| audited: <= half of ProvBPF's overhead | {ROW_NAMES.get(row, row)} | "
                   f"{'-' if self_o is None else pct(self_o)} | <= {pct(paper / 2)} | "
                   f"{verdict(None if self_o is None else self_o <= paper / 2)} |")
        ok = None if self_o is None or auditd_o is None else self_o < auditd_o / 20
        out.append(f"| audited: < 1/20 of auditd's overhead | {ROW_NAMES.get(row, row)} | "
                   f"{'-' if self_o is None else pct(self_o)} | "
                   f"{'-' if auditd_o is None else '< ' + pct(auditd_o / 20)} | {verdict(ok)} |")
    for row, ovh in micro.items():
        other = ovh.get("trace-other")
        if other is None:
            continue
        out.append(f"| not audited: <= 2% | {ROW_NAMES.get(row, row)} | {pct(other)} | "
                   f"<= {pct(TARGET_UNAUDITED)} | {verdict(other <= TARGET_UNAUDITED)} |")
    if drain_best is not None:
        out.append(f"| drained with zero loss | flood | {drain_best:,.0f} records/s | "
                   f">= {TARGET_DRAIN:,} records/s | {verdict(drain_best >= TARGET_DRAIN)} |")


def macro_table(doc, out):
    order, c = cells(doc, "macro", "value")
    if not order:
        out.append("Not measured in this run.")
        return
    out.append("Median over rounds (range); overhead in brackets: more time for seconds, "
               "throughput lost for req/s (negative: faster or more than with no agent).")
    out.append("")
    out.append("| workload | unit | none | auditd (overhead) | sabpf, other container (overhead) "
               "| sabpf, audited (overhead) |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: |")
    units = {e["name"]: e["unit"] for e in doc["results"] if e["part"] == "macro"}
    for name in order:
        base = c.get((name, "none"))
        line = [MACRO_NAMES.get(name, name), units[name], base.text() if base else "-"]
        for config in CONFIGS[1:]:
            cell = c.get((name, config))
            o = overhead(cell, base, throughput=units[name] == "req/s")
            line.append("-" if cell is None else cell.text() + ("" if o is None else f" ({pct(o)})"))
        out.append("| " + " | ".join(line) + " |")


def drain_table(doc, out):
    entries = [e for e in doc["results"] if e["part"] == "drain"]
    if not entries:
        out.append("Not measured in this run.")
        return None
    out.append("| ring | flood target calls/s | achieved calls/s | records received | lost "
               "| agent CPU s | records per agent CPU-second |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    best = None
    for e in entries:
        k = e.get("counters") or {}
        records, lost = k.get("records"), k.get("lost")
        per_cpu = records / e["agent_cpu_s"] if records and e["agent_cpu_s"] > 0 else None
        target = int(e["name"].split("/")[1])
        out.append(f"| {e['ring']} | {'max' if target == 0 else f'{target:,}'} | "
                   f"{e['rate']:,.0f}{' †' if e['conditions']['disturbed'] else ''} | "
                   f"{'-' if records is None else f'{records:,}'} | "
                   f"{'-' if lost is None else f'{lost:,}'} | {e['agent_cpu_s']:.2f} | "
                   f"{'-' if per_cpu is None else f'{per_cpu:,.0f}'} |")
        if lost == 0 and records and records >= e["calls"]:
            best = e["rate"] if best is None else max(best, e["rate"])
    return best


def drain_summary(doc, out):
    entries = [e for e in doc["results"] if e["part"] == "drain" and e.get("counters")]
    for ring in dict.fromkeys(e["ring"] for e in entries):
        mine = [e for e in entries if e["ring"] == ring]
        clean = [e["rate"] for e in mine if e["counters"].get("lost") == 0]
        lossy = [e["rate"] for e in mine if (e["counters"].get("lost") or 0) > 0]
        cpu = [e["counters"]["records"] / e["agent_cpu_s"] for e in mine
               if e["agent_cpu_s"] > 0 and e["counters"].get("records")]
        text = f"- ring {ring}: "
        text += (f"no loss up to {max(clean):,.0f} calls/s" if clean else "loss at every rate")
        text += (f"; loss from {min(lossy):,.0f} calls/s" if lossy else
                 " (the fastest this host's flood reached: loss did not start)")
        if cpu:
            text += (f"; the agent spent {1e6 / statistics.median(cpu):.2f} µs of CPU per "
                     f"record (median), i.e. one core drains about "
                     f"{statistics.median(cpu):,.0f} records/s")
        out.append(text + ".")


def scale_table(doc, out):
    mem = {e["cgroups"]: e for e in doc["results"] if e["part"] == "scale-memory"}
    order, c = cells(doc, "scale", "us")
    if not mem and not order:
        out.append("Not measured in this run.")
        return
    rows = list(dict.fromkeys(n.split("/", 1)[1] for n in order))
    counts = sorted(set(int(n.split("/", 1)[0]) for n in order) | set(mem))
    out.append("| cgroups in scope | agent RSS MiB | BPF map MiB (bytes_memlock) | "
               + " | ".join(f"{ROW_NAMES.get(r, r)} µs" for r in rows) + " |")
    out.append("| ---: | ---: | ---: | " + " | ".join("---:" for _ in rows) + " |")
    for n in counts:
        config = "none" if n == 0 else "trace-self"
        m = mem.get(n)
        line = ["0 (no agent)" if n == 0 else
                str(n) if m is None or m.get("in_scope") in (None, n) else
                f"{n} (agent said {m['in_scope']})",
                "-" if m is None else f"{m['rss_bytes'] / 2**20:.1f}",
                "-" if m is None else f"{m['map_bytes'] / 2**20:.1f}"]
        for r in rows:
            cell = c.get((f"{n}/{r}", config))
            line.append("-" if cell is None else cell.text())
        out.append("| " + " | ".join(line) + " |")


def progs_table(doc, out):
    entries = [e for e in doc["results"] if e["part"] == "progs"]
    if not entries:
        out.append("Not measured in this run.")
        return
    names = list(dict.fromkeys(n for e in entries for n in e["programs"]))
    out.append("| where | row | µs per operation | " +
               " | ".join(f"{n} ns/run (runs)" for n in names) + " |")
    out.append("| --- | --- | ---: | " + " | ".join("---:" for _ in names) + " |")
    for e in entries:
        where, row = e["name"].split("/", 1)
        cols = []
        for n in names:
            p = e["programs"].get(n)
            cols.append("-" if p is None else f"{p['ns'] / p['runs']:.0f} ({p['runs']:,})")
        out.append(f"| {where} | {ROW_NAMES.get(row, row)} | {fmt_num(e['us'])}"
                   f"{' †' if e['conditions']['disturbed'] else ''} | " + " | ".join(cols) + " |")


def conditions_table(doc, out):
    out.append("| part | measurements | disturbed † | loadavg (min-max) | others' CPU (median) "
               "| steal (max) | BPF tracing programs of others |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for part in ("micro", "macro", "drain", "scale", "progs"):
        es = [e for e in doc["results"] if e["part"] == part]
        if not es:
            continue
        loads = [e["conditions"][k] for e in es for k in ("loadavg_before", "loadavg_after")]
        foreign = [e["foreign_tracing_programs"] for e in es
                   if isinstance(e.get("foreign_tracing_programs"), int)]
        out.append(f"| {part} | {len(es)} | {sum(e['conditions']['disturbed'] for e in es)} | "
                   f"{min(loads):.2f}-{max(loads):.2f} | "
                   f"{statistics.median(e['conditions']['others_cpu'] for e in es):.2f} | "
                   f"{max(e['conditions']['steal'] for e in es) * 100:.1f}% | "
                   f"{'-' if not foreign else f'{min(foreign)}-{max(foreign)}'} |")


def render(doc, data_path):
    out = []
    s, h = doc["settings"], doc["host"]
    disturbed = sum(1 for e in doc["results"] if e.get("conditions", {}).get("disturbed"))
    measured = sum(1 for e in doc["results"] if "conditions" in e)
    out.append(f"Generated by `bench/native_report.py {data_path}` from data written by "
               f"`{doc['command']}` on {doc['started']} ({doc['seconds']} s): kernel "
               f"{h.get('kernel')}, {h.get('cpus')} CPUs ({h.get('cpu')}), {h.get('auditd')}, "
               f"sabpf {h.get('sabpf_commit')}; {s.get('rounds')} rounds of micro rows "
               f"({s.get('seconds_per_row')} s each), {s.get('macro_rounds')} of macro "
               f"workloads, configurations interleaved in rotating order; scratch files on "
               f"{s.get('scratch')}.")
    out.append("")
    if s.get("quick"):
        out.append("**A --quick smoke run: too few iterations to quote.**")
        out.append("")
    if disturbed:
        out.append(f"**{disturbed} of {measured} measurements were taken while other work on "
                   "the host kept more than 0.5 CPU busy (or steal exceeded 5%); they are "
                   "marked †. Such figures are to be re-run on a quiet host, not quoted.**")
        out.append("")
    if doc["failures"]:
        out.append(f"**{len(doc['failures'])} measurements failed:** " +
                   "; ".join(f"{f['what']}: {f['why'][:120]}" for f in doc["failures"]))
        out.append("")
    out.append("### Micro (lmbench rows, build/bench/microbench)")
    out.append("")
    out.append("Median over rounds (range of the rounds); overhead over no agent; "
               "\"sabpf / auditd\" is the audited sabpf overhead as a fraction of auditd's "
               "(\"-\" where either is negative, i.e. within noise).")
    out.append("")
    micro = micro_table(doc, out)
    out.append("")
    out.append("### Macro")
    out.append("")
    macro_table(doc, out)
    out.append("")
    out.append("### Drain rate (a paced flood of one-byte preads alternating between two files, "
               "one record each, in an audited cgroup)")
    out.append("")
    best = drain_table(doc, out)
    out.append("")
    drain_summary(doc, out)
    out.append("")
    out.append("### Scale (N cgroups in scope: the workload's, and a second audited cgroup "
               "holding N-2 child cgroups)")
    out.append("")
    scale_table(doc, out)
    out.append("")
    out.append("### Where the time goes (kernel.bpf_stats_enabled on for this part only)")
    out.append("")
    out.append("Run time of each of the agent's programs over one row, in a cgroup it does not "
               "audit and in the one it audits. The family programs are tail-called from "
               "trace_sys_exit and count in it; its runs include every other process's system "
               "calls on the host meanwhile (all of them miss the scope).")
    out.append("")
    progs_table(doc, out)
    out.append("")
    out.append("### Targets (issue 10; reported, not tuned to)")
    out.append("")
    targets_table(doc, micro, best, out)
    out.append("")
    out.append("### Conditions")
    out.append("")
    conditions_table(doc, out)
    if doc.get("auditd_rule"):
        out.append("")
        out.append(f"auditd rule (the trace backend's syscall table): `auditctl {doc['auditd_rule']}`")
    return "\n".join(out) + "\n"


def replace_section(doc_path, text):
    with open(doc_path, encoding="utf-8") as f:
        content = f.read()
    if content.count(BEGIN) != 1 or content.count(END) != 1 or \
            content.index(BEGIN) > content.index(END):
        raise DataError(f"{doc_path}: needs the lines {BEGIN} and {END}, once each, in that order")
    head, rest = content.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(doc_path + ".tmp", "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    os.replace(doc_path + ".tmp", doc_path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data")
    p.add_argument("--doc", help="replace the native section of this markdown file")
    p.add_argument("--markdown", help="write the section to this file")
    args = p.parse_args(argv)
    try:
        doc = load(args.data)
        text = render(doc, args.data)
        if args.doc:
            replace_section(args.doc, text)
        elif args.markdown:
            with open(args.markdown, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    except DataError as e:
        print(f"native_report.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
