#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""motif_table.py: reads and validates the motif data (tests/motifs/*.json, the
expected provenance subgraph of each system call, described in
tests/motifs/README.md) and writes docs/motifs.md, a table of them for a
person to read. tests/integration/test_motifs.py imports load_motifs() to
check the captures, and checks that docs/motifs.md is what this writes.

    tests/tools/motif_table.py              rewrite docs/motifs.md
    tests/tools/motif_table.py --check      exit 1 if docs/motifs.md is stale
    tests/tools/motif_table.py --out FILE   write FILE instead ('-': stdout)

Bad data: one message naming the file, the motif and what is wrong; exit 1.
"""
import argparse
import difflib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MOTIF_DIR = REPO / "tests" / "motifs"
DOC = REPO / "docs" / "motifs.md"

STATUSES = ("captured", "pending", "gap")
KINDS = ("task", "process_memory", "file", "directory", "link", "fifo", "socket", "char",
         "block", "path", "address", "argv", "xattr", "packet")
KINDS += ("msg_queue", "msg", "shm", "sem", "mqueue")  # IPC objects
KINDS += ("bpf_prog", "bpf_map", "kernel_module", "namespace")  # system objects
ACTIVITY_KINDS = ("task",)
MOTIF_KEYS = {"name", "syscall", "case", "hooks", "status", "reason", "note", "window", "nodes",
              "edges", "optional", "absent", "equal", "distinct", "captured_on", "capture"}
NODE_KEYS = {"kind", "attrs", "path", "address", "next_version_of", "same_object_as"}
EDGE_KEYS = {"from", "to", "relation", "arg", "arg_mask", "count"}
ABSENT_KEYS = {"from", "to", "from_kind", "to_kind", "relation", "arg", "arg_mask"}
# version edges between two matched versions of one object (old -> new, one
# version apart) are allowed without being listed: they only say what
# next_version_of / same_object_as already say
VERSION_RELATIONS = ("version_activity", "version_entity")
WINDOWS = ("markers", "to_end")
# PROV class of an edge from its ends' classes (docs/formats.md)
PROV_CLASS = {(False, True): "used", (True, False): "wasGeneratedBy",
              (True, True): "wasInformedBy", (False, False): "wasDerivedFrom"}


class MotifError(Exception):
    """Bad motif data: the message says where and what."""


def _fail(where, what):
    raise MotifError(f"{where}: {what}")


def _check_node(where, name, node, names):
    if not isinstance(node, dict):
        _fail(where, f"node '{name}' must be an object")
    unknown = set(node) - NODE_KEYS
    if unknown:
        _fail(where, f"node '{name}' has unknown keys {sorted(unknown)} (known: {sorted(NODE_KEYS)})")
    if node.get("kind") not in KINDS:
        _fail(where, f"node '{name}' has kind {node.get('kind')!r}: use one of {', '.join(KINDS)}")
    for ref in ("next_version_of", "same_object_as"):
        if ref in node and node[ref] not in names:
            _fail(where, f"node '{name}': {ref} names '{node[ref]}', which is not a node "
                         f"(nodes: {', '.join(names)})")
    if "attrs" in node and not isinstance(node["attrs"], dict):
        _fail(where, f"node '{name}': attrs must be an object of attribute -> value")


def _check_edge(where, label, edge, names, need_ends, keys=EDGE_KEYS):
    if not isinstance(edge, dict):
        _fail(where, f"{label} must be an object")
    unknown = set(edge) - keys
    if unknown:
        _fail(where, f"{label} has unknown keys {sorted(unknown)} (known: {sorted(keys)})")
    if not isinstance(edge.get("relation"), str) or not edge["relation"]:
        _fail(where, f"{label} needs a relation")
    for end in ("from", "to"):
        if end in edge and edge[end] not in names:
            _fail(where, f"{label}: '{end}' is '{edge[end]}', which is not a node "
                         f"(nodes: {', '.join(names)})")
        if need_ends and end not in edge:
            _fail(where, f"{label} needs '{end}'")
    if "arg" in edge and "arg_mask" in edge:
        _fail(where, f"{label}: give arg or arg_mask, not both")
    for end in ("from", "to"):
        kind = edge.get(f"{end}_kind")
        if kind is None:
            continue
        if kind not in KINDS:
            _fail(where, f"{label}: {end}_kind {kind!r}: use one of {', '.join(KINDS)}")
        if end in edge:
            _fail(where, f"{label}: give '{end}' (a motif node, whose kind is known) or "
                         f"'{end}_kind' (any node of that kind), not both")
    mask = edge.get("arg_mask")
    if mask is not None and not (isinstance(mask, list) and len(mask) == 2
                                 and all(isinstance(x, int) for x in mask)):
        _fail(where, f"{label}: arg_mask must be [mask, value], two integers")


def _check_refs(where, key, pairs, names, dotted):
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            _fail(where, f"{key}: each entry must be a list of two")
        for ref in pair:
            node = ref.split(".", 1)[0] if dotted else ref
            if node not in names or (dotted and "." not in ref):
                _fail(where, f"{key}: '{ref}' must be " +
                      ("'node.attribute'" if dotted else "a node") +
                      f" (nodes: {', '.join(names)})")


def check_motif(where, m):
    """Raises MotifError if motif m (read from `where`) is malformed."""
    if not isinstance(m, dict) or not isinstance(m.get("name"), str):
        _fail(where, "each motif must be an object with a name")
    where = f"{where}: motif '{m['name']}'"
    unknown = set(m) - MOTIF_KEYS
    if unknown:
        _fail(where, f"unknown keys {sorted(unknown)} (known: {sorted(MOTIF_KEYS)})")
    for key in ("syscall", "hooks", "status", "nodes", "edges"):
        if key not in m:
            _fail(where, f"'{key}' is missing")
    if m["status"] not in STATUSES:
        _fail(where, f"status {m['status']!r}: use one of {', '.join(STATUSES)}")
    if m["status"] != "captured" and not m.get("reason"):
        _fail(where, f"a {m['status']} motif needs a reason (what it waits for)")
    on = m.get("captured_on", [])
    if on and (m["status"] == "captured" or not all(isinstance(k, str) for k in on)):
        _fail(where, "captured_on lists kernel series (e.g. \"6.1\") where a pending or gap "
                     "motif already matches")
    if "capture" in m and not (isinstance(m["capture"], str) and m["capture"].isalpha()):
        _fail(where, "capture names another capture of 60-motifs.sh (capture.<name>.prov.json, "
                     "e.g. \"perm\"), in letters")
    if m.get("window", "markers") not in WINDOWS:
        _fail(where, f"window {m['window']!r}: use one of {', '.join(WINDOWS)}")
    if not isinstance(m["nodes"], dict) or not m["nodes"]:
        _fail(where, "nodes must be a non-empty object")
    names = list(m["nodes"])
    for name, node in m["nodes"].items():
        _check_node(where, name, node, names)
    for name, node in m["nodes"].items():
        for ref in ("next_version_of", "same_object_as"):
            other = m["nodes"].get(node.get(ref), {})
            if other and other["kind"] != node["kind"]:
                _fail(where, f"node '{name}' is a {node['kind']}, but {ref} names "
                             f"'{node[ref]}', a {other['kind']}: one object has one kind")
    if not m["edges"]:
        _fail(where, "edges must not be empty")
    for i, edge in enumerate(m["edges"], 1):
        _check_edge(where, f"edge {i}", edge, names, True)
        if edge["from"] == edge["to"]:
            _fail(where, f"edge {i} goes from '{edge['from']}' to itself")
    used = {e[end] for e in m["edges"] for end in ("from", "to")}
    unused = [n for n in names if n not in used]
    if unused:
        _fail(where, f"nodes {unused} are in no edge")
    for i, edge in enumerate(m.get("optional", []), 1):
        _check_edge(where, f"optional edge {i}", edge, names, True)
        if "count" in edge:
            _fail(where, f"optional edge {i}: an optional edge has no count")
    for i, edge in enumerate(m.get("absent", []), 1):
        _check_edge(where, f"absent edge {i}", edge, names, False, ABSENT_KEYS)
        for spec in m["edges"] + m.get("optional", []):
            if _same_pattern(edge, spec):
                _fail(where, f"absent edge {i} ({edge['relation']} {spec['from']} -> "
                             f"{spec['to']}) is also an expected or optional edge")
    _check_refs(where, "equal", m.get("equal", []), names, True)
    _check_refs(where, "distinct", m.get("distinct", []), names, False)


def _same_pattern(absent, spec):
    """True when an absent edge pattern would forbid exactly an expected one."""
    return (absent["relation"] == spec["relation"]
            and absent.get("from", spec["from"]) == spec["from"]
            and absent.get("to", spec["to"]) == spec["to"]
            and "from_kind" not in absent and "to_kind" not in absent
            and absent.get("arg") == spec.get("arg") and absent.get("arg_mask") == spec.get("arg_mask"))


def load_motifs(directory=MOTIF_DIR):
    """Every motif of directory/*.json, validated, each with its 'group'
    (the file's stem) and 'case' filled in. Raises MotifError."""
    motifs, seen = [], {}
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise MotifError(f"{directory}: no *.json motif files")
    for path in files:
        where = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise MotifError(f"{where}: not readable JSON: {e}") from e
        if not isinstance(data, dict) or set(data) - {"comment", "motifs"} or \
                not isinstance(data.get("motifs"), list):
            _fail(where, 'must be {"comment": "...", "motifs": [...]}')
        for m in data["motifs"]:
            check_motif(where, m)
            if m["name"] in seen:
                _fail(where, f"motif '{m['name']}' is also in {seen[m['name']]}")
            seen[m["name"]] = where
            motifs.append(dict(m, group=path.stem, case=m.get("case", m["name"])))
    return motifs


# ---- the table ----------------------------------------------------------

def prov_class(m, edge):
    """The PROV relation an edge of motif m must be written as."""
    kinds = m["nodes"]
    return PROV_CLASS[(kinds[edge["from"]]["kind"] in ACTIVITY_KINDS,
                       kinds[edge["to"]]["kind"] in ACTIVITY_KINDS)]


def _node_text(name, node):
    parts = [f"`{name}` {node['kind']}"]
    if "path" in node:
        parts.append(f"`{node['path']}`")
    if "address" in node:
        parts.append(f"`{node['address']}`")
    if "next_version_of" in node:
        parts.append(f"(next version of `{node['next_version_of']}`)")
    if "same_object_as" in node:
        parts.append(f"(same object as `{node['same_object_as']}`)")
    for key, value in node.get("attrs", {}).items():
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _number(value, base):
    """A relation argument for a person: wide values as high<<32|low, as
    most arguments pack two fields (e.g. uid<<32 | euid, prot<<32 | flags)."""
    text = (lambda v: f"{v:#x}") if base == 16 else str
    if value >> 32:
        return f"({text(value >> 32)}<<32|{text(value & 0xffffffff)})"
    return text(value)


def _arg_text(edge):
    if "arg" in edge:
        return f" arg={_number(edge['arg'], 10)}"
    if "arg_mask" in edge:
        mask, value = edge["arg_mask"]
        return f" arg&{_number(mask, 16)}={_number(value, 16)}"
    return ""


def _edge_text(m, edge):
    count = f" (x{edge['count']})" if "count" in edge else ""
    return (f"`{edge['from']}` -{edge['relation']}{_arg_text(edge)}-> `{edge['to']}` "
            f"({prov_class(m, edge)}){count}")


def _end_text(edge, end):
    if end in edge:
        return f"`{edge[end]}`"
    if f"{end}_kind" in edge:
        return f"any {edge[end + '_kind']}"
    return "`*`"


def _absent_text(edge):
    return (f"no {_end_text(edge, 'from')} -{edge['relation']}{_arg_text(edge)}-> "
            f"{_end_text(edge, 'to')}")


def _cell(lines):
    return "<br>".join(lines).replace("|", "\\|")


def _motif_row(m):
    nodes = [_node_text(n, v) for n, v in m["nodes"].items()]
    edges = [_edge_text(m, e) for e in m["edges"]]
    edges += [f"may: {_edge_text(m, e)}" for e in m.get("optional", [])]
    edges += [_absent_text(e) for e in m.get("absent", [])]
    edges += [f"{a} = {b}" for a, b in m.get("equal", [])]
    edges += [f"`{a}` and `{b}` are different objects" for a, b in m.get("distinct", [])]
    status = m["status"] if m["status"] == "captured" else f"**{m['status']}**"
    if m.get("captured_on"):
        status += f" (captured on {', '.join(m['captured_on'])})"
    words = [m.get("note", "")] if m.get("note") else []
    if m.get("capture"):
        words.append(f"matched in the capture made with `--classes all,{m['capture']}`")
    if m["status"] != "captured":
        words.append(f"{m['status']}: {m['reason']}")
    return (f"| `{m['name']}` | {_cell([m['syscall']])} | {_cell([', '.join(m['hooks'])])} | "
            f"{_cell(nodes)} | "
            f"{_cell(edges)} | {status} | {_cell(words)} |")


def render(motifs):
    """docs/motifs.md, from the motifs."""
    counts = {s: sum(1 for m in motifs if m["status"] == s) for s in STATUSES}
    out = [
        "# Motifs: the expected provenance subgraph of each system call",
        "",
        "Generated by `tests/tools/motif_table.py` from `tests/motifs/*.json`: do not edit by",
        "hand; change the data and run the tool (`tests/integration/test_motifs.py` fails",
        "when this file is stale).",
        "",
        "Each motif is checked by `tests/integration/test_motifs.py` against a real capture:",
        "`tests/vm/scenarios/60-motifs.sh` runs `tests/vm/progs/motif all` in an audited",
        "container; every case makes its call between two marker files",
        "(`/tmp/motif/<case>.begin`, `.end`), and the subgraph between the markers must",
        "contain the motif (a subgraph monomorphism found by networkx, with the node and",
        "edge constraints below). Edges go from -> to in the direction information flows;",
        "the PROV class each edge is written as follows from its ends. `{dir}` is",
        "`/tmp/motif`, `{case}` the case's name, `{motif}` the motif program's path.",
        "",
        "Matching is strict. A node's kind must be exactly the motif's. Every edge of the",
        "slice between two matched nodes must be one of the motif's edges, or one of its",
        "optional edges (`may:` below), between those two nodes, in that direction, with",
        "that relation and argument; the only exception is a version edge from one matched",
        "version of an object to the next. `no ...` lines are forbidden edges: none may",
        "occur anywhere in the slice (`any KIND`: an end of exactly that node kind).",
        "Negative controls in `test_motifs.py` mutate each real slice (an expected edge",
        "dropped, retyped, reversed, an end's kind changed, the same relation added the",
        "other way, a forbidden edge added) and require the match to fail, for every",
        "relation type of every motif.",
        "",
        f"{len(motifs)} motifs: {counts['captured']} captured, {counts['pending']} pending "
        "(the hook is not captured yet),",
        f"{counts['gap']} gap (the hook is captured, but not as CamFlow would have it; see the "
        "reason).",
        "Pending and gap motifs are expected failures (strict xfail) until the kernel side",
        "records them; they never count as passed.",
        "",
    ]
    out += ["## Hooks", "", "| hook | motifs |", "| --- | --- |"]
    by_hook = {}
    for m in motifs:
        for hook in m["hooks"]:
            by_hook.setdefault(hook.split(" ")[0], []).append(m["name"])
    out += [f"| `{hook}` | {', '.join(names)} |" for hook, names in sorted(by_hook.items())]
    out.append("")
    for group in sorted({m["group"] for m in motifs}):
        out += [f"## {group}", "",
                "| motif | syscall | hooks | nodes | edges | status | notes |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        out += [_motif_row(m) for m in motifs if m["group"] == group]
        out.append("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/motifs.md differs from what the data gives")
    parser.add_argument("--out", default=str(DOC), help="where to write (default docs/motifs.md)")
    args = parser.parse_args()
    try:
        text = render(load_motifs())
    except MotifError as e:
        print(f"motif_table: {e}", file=sys.stderr)
        return 1
    if args.check:
        current = Path(args.out).read_text() if Path(args.out).exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), args.out,
                                        "generated", lineterm="", n=1)
            print("\n".join(list(diff)[:40]), file=sys.stderr)
            print(f"motif_table: {args.out} is stale: run tests/tools/motif_table.py",
                  file=sys.stderr)
            return 1
        return 0
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
