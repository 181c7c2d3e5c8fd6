"""test_motifs.py: motif validation, as the saBPF paper validated ProvBPF: for
each system call, the subgraph the capture holds must contain the call's
expected motif (tests/motifs/*.json, described in tests/motifs/README.md).

tests/vm/scenarios/60-motifs.sh ran tests/vm/progs/motif in an audited
container; each case made its call between two marker files,
/tmp/motif/<case>.begin and .end, which the capture holds as inode_create
edges to path nodes. A case's slice is every edge dated between its two
markers, less the markers' own nodes (window "to_end": also the later edges
between objects seen in that slice). The motif must occur in the slice: a
subgraph monomorphism found by networkx's DiGraphMatcher (node kinds,
attributes, paths and addresses; relations and their arguments), then the
constraints between matched nodes (versions of one object, equal
attributes, distinct objects, counts, absent edges).

Pending motifs (the hook is not captured yet) and gap motifs (captured, not
as CamFlow would) are strict xfails: listed, never passed, and an error
once they start to match (then mark them captured)."""

import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import DiGraphMatcher
from provgraph import REPO, Edge, load_prov, prov_check

sys.path.insert(0, str(REPO / "tests" / "tools"))
import motif_table  # noqa: E402  (tests/tools is not a package)

SCENARIO = "motifs"
MOTIF_DIR = "/tmp/motif"  # where motif.c puts its files and markers (60-motifs.sh)

try:
    MOTIFS = motif_table.load_motifs()
    LOAD_ERROR = None
except motif_table.MotifError as error:
    MOTIFS, LOAD_ERROR = [], str(error)


# ---- the capture, indexed ---------------------------------------------------

@dataclass
class Indexed:
    cap: object
    edges: list  # every edge, by date
    names: dict = field(default_factory=lambda: defaultdict(set))  # cf:id -> pathnames
    addresses: dict = field(default_factory=lambda: defaultdict(set))  # cf:id -> addresses
    markers: dict = field(default_factory=lambda: defaultdict(set))  # marker pathname -> cf:ids
    dates: dict = field(default_factory=lambda: defaultdict(list))  # cf:id -> its edges' dates

    def node(self, n):
        return self.cap.nodes[n]

    def ident(self, n):
        return self.cap.nodes[n].get("cf:id")

    def marker_ids(self):
        return set().union(*self.markers.values()) if self.markers else set()


def is_marker(pathname):
    return bool(pathname) and pathname.startswith(MOTIF_DIR + "/") and \
        pathname.endswith((".begin", ".end"))


def index_capture(cap):
    """Indexes names, addresses and markers: a marker is the path node made
    by its inode_create, and the file (and its path) that its open names."""
    ix = Indexed(cap, sorted(cap.edges, key=lambda e: e.attrs["cf:date"]))
    for e in ix.edges:
        src, dst = cap.nodes[e.src], cap.nodes[e.dst]
        ix.dates[src["cf:id"]].append(e.attrs["cf:date"])
        ix.dates[dst["cf:id"]].append(e.attrs["cf:date"])
        if e.type == "named" and "cf:pathname" in src:
            ix.names[dst["cf:id"]].add(src["cf:pathname"])
            if is_marker(src["cf:pathname"]):
                ix.markers[src["cf:pathname"]].update((src["cf:id"], dst["cf:id"]))
        elif e.type == "addressed" and "cf:address" in src:
            ix.addresses[dst["cf:id"]].add(src["cf:address"])
        elif e.type == "inode_create" and is_marker(dst.get("cf:pathname")):
            ix.markers[dst["cf:pathname"]].add(dst["cf:id"])
    return ix


_CACHE = {}


def indexed_capture(artifacts, which=None):
    """The main capture, or capture.<which>.prov.json (a motif's "capture":
    a run with other record classes, e.g. perm)."""
    path = artifacts(SCENARIO) / (f"capture.{which}.prov.json" if which else "capture.prov.json")
    if not path.is_file():
        pytest.fail(f"{path} missing: 60-motifs.sh did not capture")
    if path not in _CACHE:
        _CACHE[path] = index_capture(load_prov(path))
    return _CACHE[path]


@pytest.fixture
def capture(artifacts):
    return indexed_capture(artifacts)


@pytest.fixture
def placeholders(artifacts):
    motif_path = (artifacts(SCENARIO) / "motif_path").read_text().strip()
    return {"dir": MOTIF_DIR, "motif": motif_path}


def expand(value, subst):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: subst[m.group(1)], value)
    return value


# ---- slicing ------------------------------------------------------------

def slice_of(ix, case, window):
    """The edges of one case: after the last edge of its begin marker (the
    marker's open, and the task's version before it), before the first edge
    of its end marker, less any marker's nodes."""
    begin = ix.markers.get(f"{MOTIF_DIR}/{case}.begin")
    end = ix.markers.get(f"{MOTIF_DIR}/{case}.end")
    if not begin or not end:
        pytest.fail(f"case {case}: no inode_create of {MOTIF_DIR}/{case}."
                    f"{'begin' if not begin else 'end'} in the capture: did motif run it?")
    after = max(d for i in begin for d in ix.dates[i])
    before = min(d for i in end for d in ix.dates[i])
    markers = ix.marker_ids()

    def of_markers(e):
        return ix.ident(e.src) in markers or ix.ident(e.dst) in markers

    inside = [e for e in ix.edges if after < e.attrs["cf:date"] < before and not of_markers(e)]
    if window == "to_end":
        seen = {ix.ident(n) for e in inside for n in (e.src, e.dst)}
        inside += [e for e in ix.edges if e.attrs["cf:date"] >= before and not of_markers(e)
                   and ix.ident(e.src) in seen and ix.ident(e.dst) in seen]
    return inside


# ---- matching -----------------------------------------------------------

def arg_of(edge):
    return edge.attrs.get("cf:relation_arg", 0)


def edge_fits(edge, spec):
    if edge.type != spec["relation"]:
        return False
    if "arg" in spec and arg_of(edge) != spec["arg"]:
        return False
    if "arg_mask" in spec:
        mask, value = spec["arg_mask"]
        if arg_of(edge) & mask != value:
            return False
    return True


def node_fits(ix, attrs, spec, subst):
    if attrs.get("prov:type") != spec["kind"]:
        return False
    if any(attrs.get(k) != expand(v, subst) for k, v in spec.get("attrs", {}).items()):
        return False
    if "path" in spec:
        want = expand(spec["path"], subst)
        have = {attrs.get("cf:pathname")} if spec["kind"] == "path" else ix.names[attrs["cf:id"]]
        if want not in have:
            return False
    if "address" in spec:
        want = expand(spec["address"], subst)
        have = {attrs.get("cf:address")} if spec["kind"] == "address" else \
            ix.addresses[attrs["cf:id"]]
        if want not in have:
            return False
    return True


def slice_graph(ix, edges):
    g = nx.DiGraph()
    for e in edges:
        if not g.has_edge(e.src, e.dst):
            g.add_edge(e.src, e.dst, edges=[])
        g[e.src][e.dst]["edges"].append(e)
    for n in g.nodes:
        g.nodes[n]["attrs"] = ix.node(n)
    return g


def pattern_graph(motif):
    p = nx.DiGraph()
    for name, spec in motif["nodes"].items():
        p.add_node(name, spec=spec)
    for spec in motif["edges"]:
        if not p.has_edge(spec["from"], spec["to"]):
            p.add_edge(spec["from"], spec["to"], specs=[])
        p[spec["from"]][spec["to"]]["specs"].append(spec)
    return p


def constraint_failures(ix, motif, bind, edges, subst):
    """What a candidate binding (pattern name -> node) breaks, as text."""
    bad = []
    node = ix.node
    for name, spec in motif["nodes"].items():
        a = node(bind[name])
        for key in ("next_version_of", "same_object_as"):
            if key in spec:
                b = node(bind[spec[key]])
                if a["cf:id"] != b["cf:id"]:
                    bad.append(f"{name} is not the same object as {spec[key]}")
                elif key == "next_version_of" and a["cf:version"] != b["cf:version"] + 1:
                    bad.append(f"{name} is version {a['cf:version']}, not "
                               f"{spec[key]}'s + 1 ({b['cf:version']} + 1)")
    for left, right in motif.get("equal", []):
        (ln, la), (rn, ra) = left.split(".", 1), right.split(".", 1)
        lv, rv = node(bind[ln]).get(la), node(bind[rn]).get(ra)
        if lv is None or lv != rv:
            bad.append(f"{left} = {lv} but {right} = {rv}")
    for a, b in motif.get("distinct", []):
        if node(bind[a])["cf:id"] == node(bind[b])["cf:id"]:
            bad.append(f"{a} and {b} are the same object")
    for spec in motif["edges"]:
        if "count" in spec:
            n = sum(1 for e in edges if e.src == bind[spec["from"]] and
                    e.dst == bind[spec["to"]] and edge_fits(e, spec))
            if n != spec["count"]:
                bad.append(f"{n} {spec['relation']} edges {spec['from']} -> {spec['to']}, "
                           f"expected {spec['count']}")
    for spec in motif.get("absent", []):
        hits = [e for e in edges if edge_fits(e, spec)
                and ("from" not in spec or e.src == bind[spec["from"]])
                and ("to" not in spec or e.dst == bind[spec["to"]])]
        if hits:
            bad.append(f"unexpected {spec['relation']} edge(s): {describe_edge(ix, hits[0])}")
    return bad


def find_motif(ix, motif, edges, subst):
    """(binding, []) for the first occurrence of the motif, or (None,
    reasons) saying why none fits."""
    g, p = slice_graph(ix, edges), pattern_graph(motif)
    matcher = DiGraphMatcher(
        g, p,
        node_match=lambda gn, pn: node_fits(ix, gn["attrs"], pn["spec"], subst),
        edge_match=lambda ge, pe: all(any(edge_fits(e, s) for e in ge["edges"])
                                      for s in pe["specs"]))
    reasons = []
    for mapping in matcher.subgraph_monomorphisms_iter():
        bind = {name: n for n, name in mapping.items()}
        bad = constraint_failures(ix, motif, bind, edges, subst)
        if not bad:
            return bind, []
        if len(reasons) < 3:
            reasons.append("; ".join(bad))
    if not reasons:
        reasons = structural_misses(ix, motif, edges, subst)
    return None, reasons


def structural_misses(ix, motif, edges, subst):
    """Why no subgraph fits: for each expected edge without a candidate, how
    far the slice's edges got (relation, argument, kinds and names of ends)."""
    out = []
    for spec in motif["edges"]:
        ends = [motif["nodes"][spec["from"]], motif["nodes"][spec["to"]]]
        same = [e for e in edges if e.type == spec["relation"]]
        with_arg = [e for e in same if edge_fits(e, spec)]
        fits = [e for e in with_arg if node_fits(ix, ix.node(e.src), ends[0], subst)
                and node_fits(ix, ix.node(e.dst), ends[1], subst)]
        if fits:
            continue
        if not same:
            why = f"no {spec['relation']} edge in the slice"
        elif not with_arg:
            why = (f"{len(same)} {spec['relation']} edges, none with that argument "
                   f"(args: {sorted({hex(arg_of(e)) for e in same})})")
        else:
            why = (f"{len(with_arg)} {spec['relation']} edges with that argument, none whose "
                   f"ends fit {spec['from']} ({ends[0]}) and {spec['to']} ({ends[1]})")
        out.append(f"expected {motif_table._edge_text(motif, spec)}: {why}")
    return out or ["every expected edge has candidates, but not all together "
                   "(versions or shared nodes differ)"]


# ---- reporting ----------------------------------------------------------

def describe_node(ix, n):
    a = ix.node(n)
    return f"{a.get('prov:label', n)} [{n}]"


def describe_edge(ix, e):
    arg = f"({arg_of(e):#x})" if arg_of(e) else ""
    return (f"{describe_node(ix, e.src)} -{e.type}{arg}-> {describe_node(ix, e.dst)} "
            f"tid={e.attrs.get('cf:tid')}")


def report(ix, motif, edges, subst, reasons):
    expected = [f"  node {motif_table._node_text(n, s)}" for n, s in motif["nodes"].items()]
    expected += [f"  edge {motif_table._edge_text(motif, e)}" for e in motif["edges"]]
    expected += [f"  absent {e}" for e in motif.get("absent", [])]
    expected += [f"  equal {e}" for e in motif.get("equal", [])]
    expected += [f"  distinct {e}" for e in motif.get("distinct", [])]
    got = [f"  {describe_edge(ix, e)}" for e in edges] or ["  (no edge)"]
    return "\n".join([f"motif {motif['name']} ({motif['syscall']}, case {motif['case']}, "
                      f"{{dir}}={subst['dir']}, {{case}}={subst['case']}) not found.",
                      "why: " + " | ".join(reasons), "expected:", *expected,
                      f"the slice ({len(edges)} edges):", *got])


# ---- the tests ----------------------------------------------------------

def motif_params():
    kernel = os.environ.get("SABPF_KERNEL", "")
    for m in MOTIFS:
        marks = []
        if m["status"] != "captured" and kernel not in m.get("captured_on", []):
            marks.append(pytest.mark.xfail(strict=True, reason=f"{m['status']}: {m['reason']}"))
        yield pytest.param(m, id=m["name"], marks=marks)


@pytest.mark.parametrize("motif", list(motif_params()))
def test_motif(artifacts, placeholders, motif):
    capture = indexed_capture(artifacts, motif.get("capture"))
    subst = dict(placeholders, case=motif["case"])
    edges = slice_of(capture, motif["case"], motif.get("window", "markers"))
    bind, reasons = find_motif(capture, motif, edges, subst)
    assert bind is not None, report(capture, motif, edges, subst, reasons)
    # every matched edge is written as the PROV class its ends give
    for spec in motif["edges"]:
        src, dst = bind[spec["from"]], bind[spec["to"]]
        kinds = {e.kind for e in capture.cap.edges if e.src == src and e.dst == dst
                 and edge_fits(e, spec)}
        assert kinds == {motif_table.prov_class(motif, spec)}, (spec, kinds)


def reversed_edges(edges):
    return [Edge(e.kind, e.type, e.dst, e.src, e.attrs) for e in edges]


CAPTURED = [m for m in MOTIFS if m["status"] == "captured"]


@pytest.mark.parametrize("motif", CAPTURED, ids=[m["name"] for m in CAPTURED])
def test_motif_needs_the_direction_of_flow(artifacts, placeholders, motif):
    """The matcher is not fooled: with every edge of the slice turned round
    (information flowing the other way), the motif is not found."""
    capture = indexed_capture(artifacts, motif.get("capture"))
    subst = dict(placeholders, case=motif["case"])
    edges = reversed_edges(slice_of(capture, motif["case"], motif.get("window", "markers")))
    bind, _ = find_motif(capture, motif, edges, subst)
    assert bind is None, f"{motif['name']} found in the reversed slice: {bind}"


def test_motif_data_is_valid():
    assert LOAD_ERROR is None, LOAD_ERROR
    captured = [m for m in MOTIFS if m["status"] == "captured"]
    assert len(captured) >= 40, f"only {len(captured)} captured motifs"


GOOD = {"name": "w", "syscall": "write", "hooks": ["file_permission"], "status": "captured",
        "nodes": {"t": {"kind": "task"}, "f": {"kind": "file"}},
        "edges": [{"from": "t", "relation": "write", "to": "f"}]}


@pytest.mark.parametrize("change,message", [
    ({"status": "maybe"}, "status 'maybe': use one of captured, pending, gap"),
    ({"status": "pending"}, "a pending motif needs a reason"),
    ({"nodes": {"t": {"kind": "task"}, "f": {"kind": "flie"}}}, "node 'f' has kind 'flie'"),
    ({"edges": [{"from": "t", "relation": "write", "to": "g"}]}, "edge 1: 'to' is 'g', which is not a node"),
    ({"equal": [["t.cf:pid", "x.cf:pid"]]}, "equal: 'x.cf:pid' must be 'node.attribute'"),
    ({"colour": 1}, "unknown keys ['colour']"),
])
def test_bad_motif_data_is_refused_with_a_clear_message(tmp_path, change, message):
    (tmp_path / "bad.json").write_text(json.dumps({"motifs": [dict(GOOD, **change)]}))
    with pytest.raises(motif_table.MotifError) as error:
        motif_table.load_motifs(tmp_path)
    assert f"bad.json: motif 'w': {message}" in str(error.value)


def test_good_motif_data_is_read(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps({"motifs": [GOOD]}))
    assert [m["case"] for m in motif_table.load_motifs(tmp_path)] == ["w"]


def test_docs_motifs_md_is_up_to_date():
    assert LOAD_ERROR is None, LOAD_ERROR
    current = motif_table.DOC.read_text() if motif_table.DOC.exists() else ""
    assert current == motif_table.render(MOTIFS), \
        "docs/motifs.md is stale: run tests/tools/motif_table.py and commit it"


def test_every_relation_has_a_captured_motif():
    names = re.findall(r'\[SABPF_REL_\w+\]\s*=\s*"(\w+)"', (REPO / "src/names.c").read_text())
    assert len(names) > 20, "could not read the relation names of src/names.c"
    # a motif captured on some kernel series only (captured_on) covers its
    # relations too: on that series it is a plain test, which fails if it stops matching
    covered = {e["relation"] for m in MOTIFS if m["status"] == "captured" or m.get("captured_on")
               for e in m["edges"]}
    assert sorted(set(names) - covered) == []


def test_every_case_ran_and_has_a_motif(artifacts):
    out = artifacts(SCENARIO)
    cases = out.joinpath("cases.txt").read_text().split()
    ran = re.findall(r"^case=(\S+) ", out.joinpath("motif.txt").read_text(), re.M)
    assert ran == cases, "motif all did not run every case, in order"
    assert sorted({m["case"] for m in MOTIFS} - set(cases)) == [], "motifs name unknown cases"
    assert sorted(set(cases) - {m["case"] for m in MOTIFS}) == [], "cases without a motif"


def test_capture_is_valid_prov_and_acyclic(artifacts, capture):
    summary = prov_check(artifacts(SCENARIO) / "capture.prov.json", strict=True)
    assert summary["acyclic"] is True
    assert nx.is_directed_acyclic_graph(capture.cap.graph())
    assert len(capture.markers) == 2 * len({m["case"] for m in MOTIFS})
    # the markers' version step of the task precedes their open: the slices hold neither
    assert all(len(ids) >= 2 for ids in capture.markers.values())


def test_no_record_was_lost(artifacts):
    stats = (artifacts(SCENARIO) / "stats.json").read_text()
    for key in ("lost", "kernel_lost", "seq_missing", "malformed"):
        assert re.search(rf'"{key}":0[,}}]', stats), f"{key} is not 0 in {stats}"
