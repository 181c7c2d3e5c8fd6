#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""prov_check.py: checks a PROV-JSON file written by sabpf's `prov` output with
third-party tools: every non-empty line must be a PROV-JSON document that
python3-prov reads; all relations of all documents are put in one networkx
DiGraph (each relation from its first formal argument to its second, i.e.
from effect to cause), which must be acyclic.

Prints a one-line JSON summary: documents, nodes (distinct activities and
entities declared), relations by type, graph_nodes, undeclared (relation
ends never declared as an activity or entity), acyclic. Exit 1 on any
problem: unreadable file, a line that is not PROV-JSON, no document, a
cycle; with --strict also a relation end that is never declared, or a
relation whose ends are of the wrong class (e.g. `used` whose activity is
declared as an entity).

Run it with /usr/bin/python3 (Debian's), which has python3-prov and
python3-networkx:  /usr/bin/python3 tests/tools/prov_check.py FILE [--strict]
"""
import argparse
import json
import sys

try:
    import networkx as nx
    from prov.constants import PROV_N_MAP
    from prov.model import ProvDocument, ProvElement, ProvRelation
except ImportError as e:  # pragma: no cover - depends on the host
    print(f"prov_check: {e}: run with /usr/bin/python3 and install python3-prov "
          "and python3-networkx (scripts/install-deps.sh)", file=sys.stderr)
    sys.exit(1)


# Element classes each binary relation expects at (effect, cause).
EXPECTED_ENDS = {
    "used": ("activity", "entity"),
    "wasGeneratedBy": ("entity", "activity"),
    "wasInformedBy": ("activity", "activity"),
    "wasDerivedFrom": ("entity", "entity"),
}


def relation_ends(rel):
    """(effect, cause) identifiers of a binary PROV relation, as strings."""
    formal = rel.formal_attributes
    if len(formal) < 2 or formal[0][1] is None or formal[1][1] is None:
        return None
    return str(formal[0][1]), str(formal[1][1])


def check(path, strict):
    graph = nx.DiGraph()
    declared = {}  # identifier -> "activity" or "entity"
    ends_of = []  # (file line, relation kind, effect, cause)
    relations = {}
    documents = 0
    problems = []

    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        return None, [f"cannot read {path}: {e}"]

    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = ProvDocument.deserialize(content=line, format="json")
        except Exception as e:  # prov raises many kinds of errors
            problems.append(f"{path}:{number}: not a PROV-JSON document: "
                            f"{type(e).__name__}: {e}")
            continue
        documents += 1
        for rec in doc.get_records():
            if isinstance(rec, ProvElement):
                declared[str(rec.identifier)] = PROV_N_MAP[rec.get_type()]
                graph.add_node(str(rec.identifier))
            elif isinstance(rec, ProvRelation):
                kind = PROV_N_MAP[rec.get_type()]
                relations[kind] = relations.get(kind, 0) + 1
                ends = relation_ends(rec)
                if ends is None:
                    problems.append(f"{path}:{number}: relation {rec.identifier} "
                                    "lacks one of its two ends")
                    continue
                graph.add_edge(*ends)
                ends_of.append((number, kind, *ends))

    if documents == 0 and not problems:
        problems.append(f"{path}: holds no PROV-JSON document")
    undeclared = sorted(n for n in graph.nodes if n not in declared)
    acyclic = nx.is_directed_acyclic_graph(graph)
    if not acyclic:
        cycle = nx.find_cycle(graph)
        problems.append(f"{path}: the graph has a cycle: {cycle[:5]}")
    wrong = [(n, k, e, c) for n, k, e, c in ends_of if k in EXPECTED_ENDS and
             e in declared and c in declared and
             (declared[e], declared[c]) != EXPECTED_ENDS[k]]
    if strict and wrong:
        n, k, e, c = wrong[0]
        problems.append(f"{path}:{n}: {len(wrong)} relations join the wrong classes, e.g. "
                        f"{k} from {declared[e]} {e} to {declared[c]} {c}")
    if strict and undeclared:
        problems.append(f"{path}: {len(undeclared)} relation ends are never declared "
                        f"as activity or entity, e.g. {undeclared[:3]}")
    summary = {
        "documents": documents,
        "nodes": len(declared),
        "relations": dict(sorted(relations.items())),
        "graph_nodes": graph.number_of_nodes(),
        "undeclared": len(undeclared),
        "acyclic": acyclic,
    }
    return summary, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="PROV-JSON file, one document per line")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when a relation end is never declared")
    args = parser.parse_args()
    summary, problems = check(args.file, args.strict)
    if summary is not None:
        print(json.dumps(summary, sort_keys=True))
    for p in problems:
        print(f"prov_check: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
