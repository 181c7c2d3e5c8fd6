# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""provgraph.py: reads sabpf's outputs for the host-side checks: a PROV-JSON
capture (one document per line) into plain node and edge records, the
JSON-lines audit view, and the key=value reports of tests/vm/progs/exercise.

Edges are kept in the direction information flows (sabpf's `from` -> `to`),
recovered from each PROV relation's roles."""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parents[2]

# PROV relation -> (role of the flow's source, role of the flow's target)
FLOW_ROLES = {
    "used": ("prov:entity", "prov:activity"),
    "wasGeneratedBy": ("prov:activity", "prov:entity"),
    "wasInformedBy": ("prov:informant", "prov:informed"),
    "wasDerivedFrom": ("prov:usedEntity", "prov:generatedEntity"),
}


@dataclass
class Edge:
    kind: str  # the PROV relation
    type: str  # sabpf's relation name (prov:type)
    src: str
    dst: str
    attrs: dict


@dataclass
class Capture:
    nodes: dict = field(default_factory=dict)  # node id -> attributes
    edges: list = field(default_factory=list)

    def graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        for e in self.edges:
            g.add_edge(e.src, e.dst)
        return g

    def of_type(self, prov_type):
        return [e for e in self.edges if e.type == prov_type]

    def paths_of(self, node_id):
        """Path names given to an inode version or any other version of it."""
        ident = self.nodes[node_id]["cf:id"]
        names = set()
        for e in self.of_type("named"):
            if self.nodes[e.dst]["cf:id"] == ident:
                names.add(self.nodes[e.src]["cf:pathname"])
        return names

    def nodes_named(self, path):
        """Ids of every version of every inode ever named `path`."""
        idents = {
            self.nodes[e.dst]["cf:id"]
            for e in self.of_type("named")
            if self.nodes[e.src].get("cf:pathname") == path
        }
        return {n for n, a in self.nodes.items() if a.get("cf:id") in idents}

    def tasks(self, **match):
        return {
            n: a
            for n, a in self.nodes.items()
            if a.get("prov:type") == "task" and all(a.get(f"cf:{k}") == v for k, v in match.items())
        }


def load_prov(path) -> Capture:
    cap = Capture()
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        for section in ("activity", "entity"):
            cap.nodes.update(doc.get(section, {}))
        for kind, (src_role, dst_role) in FLOW_ROLES.items():
            for attrs in doc.get(kind, {}).values():
                cap.edges.append(
                    Edge(kind, attrs.get("prov:type", ""), attrs[src_role], attrs[dst_role], attrs)
                )
    return cap


def load_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def load_report(path):
    """key=value lines of tests/vm/progs/exercise."""
    report = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition("=")
        report[key] = value
    return report


def prov_check(path, strict=False):
    """Runs tests/tools/prov_check.py (python3-prov + networkx) on a capture."""
    cmd = [sys.executable, str(REPO / "tests/tools/prov_check.py"), str(path)]
    if strict:
        cmd.append("--strict")
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
