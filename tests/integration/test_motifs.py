# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
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
attributes, distinct objects, counts, forbidden edges), and strictness: every
slice edge between two matched nodes must be an expected or optional edge
between them (a version step of one object excepted).

Negative controls: for every relation type the motifs expect, each slice is
mutated around its matched edge of that type (dropped, retyped, flipped, an
end's kind changed, the relation added the other way) and must no longer
match; so must a slice with one of the motif's forbidden edges added.

Pending motifs (the hook is not captured yet) and gap motifs (captured, not
as CamFlow would) are strict xfails: listed, never passed, and an error
once they start to match (then mark them captured)."""

import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import DiGraphMatcher
from provgraph import REPO, Capture, Edge, load_prov, prov_check

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
        hits = [e for e in edges if absent_fits(ix, e, spec, bind)]
        if hits:
            bad.append(f"forbidden {motif_table._absent_text(spec)}: {describe_edge(ix, hits[0])}")
    bad += unlisted_edges(ix, motif, bind, edges)
    return bad


def absent_fits(ix, edge, spec, bind):
    """True when a slice edge is one the absent (forbidden) pattern names:
    its relation and argument, its ends the named motif nodes or, for an
    end given by kind, any node of exactly that kind."""
    if not edge_fits(edge, spec):
        return False
    for end, node in (("from", edge.src), ("to", edge.dst)):
        if end in spec and node != bind[spec[end]]:
            return False
        if f"{end}_kind" in spec and ix.node(node).get("prov:type") != spec[f"{end}_kind"]:
            return False
    return True


def is_version_step(ix, edge):
    """A version edge from one version of an object to the next."""
    a, b = ix.node(edge.src), ix.node(edge.dst)
    return (edge.type in motif_table.VERSION_RELATIONS and a.get("cf:id") == b.get("cf:id")
            and b.get("cf:version") == a.get("cf:version", -2) + 1)


def unlisted_edges(ix, motif, bind, edges):
    """Strictness: every slice edge between two matched nodes must be one of
    the motif's edges or optional edges between those two pattern nodes, in
    that direction, with that relation and argument (a version step of one
    object excepted). An extra or wrong edge between the call's own nodes
    fails the motif."""
    name_of = {n: name for name, n in bind.items()}
    allowed = defaultdict(list)
    for spec in motif["edges"] + motif.get("optional", []):
        allowed[spec["from"], spec["to"]].append(spec)
    bad = []
    for e in edges:
        a, b = name_of.get(e.src), name_of.get(e.dst)
        if a is None or b is None:
            continue
        if any(edge_fits(e, s) for s in allowed[a, b]) or is_version_step(ix, e):
            continue
        bad.append(f"edge between matched nodes not in the motif: {a} -{e.type}"
                   f"{f'({arg_of(e):#x})' if arg_of(e) else ''}-> {b}: {describe_edge(ix, e)}")
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
    expected += [f"  optional {motif_table._edge_text(motif, e)}" for e in motif.get("optional", [])]
    expected += [f"  {motif_table._absent_text(e)}" for e in motif.get("absent", [])]
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


# ---- negative controls: a mutated slice must not match ----------------------
#
# For every relation type that some motif expects (on this kernel series),
# each motif expecting it is matched on its real slice, then the slice is
# mutated around the matched edge of that relation, and the matcher must now
# fail: the edge dropped, its relation changed, its direction flipped, the
# kind of one of its ends changed, or an edge of that relation added between
# the two matched nodes the wrong way round. And for each forbidden (absent)
# edge of a motif, one such edge added to the slice must fail the motif.

def expected_here(m):
    return m["status"] == "captured" or os.environ.get("SABPF_KERNEL", "") in m.get("captured_on", [])


HERE = [m for m in MOTIFS if expected_here(m)]
RELATIONS = sorted({e["relation"] for m in HERE for e in m["edges"]})
MUTATIONS = ("drop", "retype", "flip", "kind", "extra")

# a relation swapped for its nearest wrong one (retype); others get read or write
WRONG_RELATION = {}
for _pair in ("read write", "send receive", "mmap_read mmap_write", "mmap_read_private "
              "mmap_write_private", "mmap_exec mmap_exec_private", "version_entity version_activity",
              "shm_read shm_write", "sem_read sem_write", "msg_send msg_receive",
              "msg_enqueue msg_dequeue", "mq_send mq_receive", "perm_read perm_write",
              "read_ioctl write_ioctl", "getxattr setxattr", "getxattr_inode setxattr_inode",
              "link unlink", "mkdir rmdir", "send_packet receive_packet", "setuid setgid",
              "memory_read memory_write", "bind connect", "clone clone_mem", "exec exec_task",
              "mount umount", "accept accept_socket"):
    _a, _b = _pair.split()
    WRONG_RELATION[_a], WRONG_RELATION[_b] = _b, _a
# a node kind swapped for a near one (kind)
WRONG_KIND = {"task": "process_memory", "process_memory": "task", "file": "directory",
              "directory": "file", "path": "address", "address": "path", "socket": "file",
              "fifo": "file", "link": "file", "msg": "msg_queue", "msg_queue": "msg",
              "shm": "sem", "sem": "shm", "mqueue": "msg_queue", "packet": "socket"}

_MATCHED = {}


def matched(artifacts, placeholders, motif):
    """(ix, subst, slice, binding) of a motif on its real capture; the
    binding is None when the motif does not match (test_motif says why)."""
    if motif["name"] not in _MATCHED:
        ix = indexed_capture(artifacts, motif.get("capture"))
        subst = dict(placeholders, case=motif["case"])
        edges = slice_of(ix, motif["case"], motif.get("window", "markers"))
        _MATCHED[motif["name"]] = (ix, subst, edges, find_motif(ix, motif, edges, subst)[0])
    return _MATCHED[motif["name"]]


def allowed_between(motif, a, b):
    return {s["relation"] for s in motif["edges"] + motif.get("optional", [])
            if s["from"] == a and s["to"] == b}


def wrong_relation(motif, spec):
    """A real relation the motif allows nowhere from spec's from to its to."""
    allowed = allowed_between(motif, spec["from"], spec["to"])
    for r in (WRONG_RELATION.get(spec["relation"]), "write", "read", "named", "open"):
        if r and r != spec["relation"] and r not in allowed:
            return r
    raise AssertionError(f"no wrong relation for {spec}")


def with_kind(ix, node, kind):
    """ix with one node's kind changed (the capture's other nodes shared)."""
    nodes = dict(ix.cap.nodes)
    nodes[node] = dict(nodes[node], **{"prov:type": kind})
    return replace(ix, cap=Capture(nodes=nodes, edges=ix.cap.edges))


def mutations(ix, motif, bind, edges, spec, how):
    """The mutated (ix, slice) pairs of one mutation of spec's matched edges."""
    src, dst = bind[spec["from"]], bind[spec["to"]]
    hit = [e for e in edges if e.src == src and e.dst == dst and edge_fits(e, spec)]
    assert hit, f"{motif['name']}: the matched {spec} has no edge"
    rest = [e for e in edges if all(e is not h for h in hit)]
    if how == "drop":
        return [(ix, rest)]
    if how == "retype":
        r = wrong_relation(motif, spec)
        return [(ix, rest + [Edge(e.kind, r, e.src, e.dst, dict(e.attrs, **{"prov:type": r}))
                             for e in hit])]
    if how == "flip":
        return [(ix, rest + reversed_edges(hit))]
    if how == "kind":
        return [(with_kind(ix, n, WRONG_KIND.get(ix.node(n)["prov:type"], "file")), edges)
                for n in (src, dst)]
    if how == "extra":  # the same relation, flowing the other way between the two nodes
        assert spec["relation"] not in allowed_between(motif, spec["to"], spec["from"])
        return [(ix, edges + reversed_edges(hit[:1]))]
    raise ValueError(how)


@pytest.mark.parametrize("how", MUTATIONS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_a_mutated_slice_does_not_match(artifacts, placeholders, relation, how):
    tried, survived = 0, []
    for motif in HERE:
        specs = [s for s in motif["edges"] if s["relation"] == relation]
        if not specs:
            continue
        ix, subst, edges, bind = matched(artifacts, placeholders, motif)
        if bind is None:
            continue  # test_motif fails for it
        for spec in specs:
            for mix, medges in mutations(ix, motif, bind, edges, spec, how):
                tried += 1
                if find_motif(mix, motif, medges, subst)[0] is not None:
                    survived.append(f"{motif['name']}: {motif_table._edge_text(motif, spec)}")
    assert tried, f"no motif expecting {relation} matched on this capture: nothing to mutate"
    assert survived == [], f"{how} of a {relation} edge still matched in: {survived}"


ABSENT = [(m, i) for m in HERE for i in range(len(m.get("absent", [])))]


@pytest.mark.parametrize("motif,i", ABSENT,
                         ids=[f"{m['name']}-{m['absent'][i]['relation']}" for m, i in ABSENT])
def test_a_forbidden_edge_fails_the_motif(artifacts, placeholders, motif, i):
    """An edge the motif forbids, added to its real slice: between the named
    motif nodes, or for an open end a new node (of the given kind), so
    that only the absent rule can catch it."""
    ix, subst, edges, bind = matched(artifacts, placeholders, motif)
    assert bind is not None, f"{motif['name']} does not match (see test_motif)"
    spec = motif["absent"][i]
    nodes = dict(ix.cap.nodes)
    ends = []
    for end in ("from", "to"):
        if end in spec:
            ends.append(bind[spec[end]])
        else:
            ends.append(f"sabpf:negative-control-{end}")
            nodes[ends[-1]] = {"prov:type": spec.get(f"{end}_kind", "file"),
                               "cf:id": -1 - len(ends), "cf:version": 0}
    arg = spec.get("arg", spec.get("arg_mask", [0, 0])[1])
    extra = Edge("used", spec["relation"], ends[0], ends[1],
                 {"prov:type": spec["relation"], "cf:relation_arg": arg, "cf:date": 0})
    mix = replace(ix, cap=Capture(nodes=nodes, edges=ix.cap.edges))
    assert find_motif(ix, motif, edges, subst)[0] is not None
    assert find_motif(mix, motif, edges + [extra], subst)[0] is None, \
        f"{motif['name']} matched with a forbidden {spec} edge added"
    # a kind constraint is exact: the same edge with an end of another kind is not forbidden
    for end, node in zip(("from", "to"), ends):
        if f"{end}_kind" in spec:
            other = with_kind(mix, node, WRONG_KIND.get(spec[f"{end}_kind"], "file"))
            assert find_motif(other, motif, edges + [extra], subst)[0] is not None, \
                f"{motif['name']}: {spec} also forbade an edge whose {end} is a " \
                f"{other.node(node)['prov:type']}"


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
    ({"nodes": {"t": {"kind": "task"}, "f": {"kind": "file", "same_object_as": "t"}}},
     "node 'f' is a file, but same_object_as names 't', a task: one object has one kind"),
    ({"absent": [{"relation": "read", "from_kind": "flie"}]}, "absent edge 1: from_kind 'flie'"),
    ({"absent": [{"relation": "read", "from": "t", "from_kind": "task"}]},
     "absent edge 1: give 'from' (a motif node, whose kind is known) or 'from_kind'"),
    ({"absent": [{"relation": "write", "from": "t"}]},
     "absent edge 1 (write t -> f) is also an expected or optional edge"),
    ({"optional": [{"from": "t", "relation": "read"}]}, "optional edge 1 needs 'to'"),
    ({"optional": [{"from": "f", "relation": "read", "to": "t", "count": 1}]},
     "optional edge 1: an optional edge has no count"),
    ({"optional": [{"from": "f", "relation": "read", "to_kind": "task"}]},
     "optional edge 1 has unknown keys ['to_kind']"),
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
    named = dict(re.findall(r'\[(SABPF_REL_\w+)\]\s*=\s*"(\w+)"', (REPO / "src/names.c").read_text()))
    declared = re.findall(r"^\s*(SABPF_REL_\w+)\s*=\s*\d+",
                          (REPO / "include/sabpf_record.h").read_text(), re.M)
    # every relation of the record format has a name: the list read here is the whole list
    assert declared and sorted(named) == sorted(declared), \
        "src/names.c names other relations than include/sabpf_record.h declares"
    names = list(named.values())
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
    # each marker is three objects: the path its creation made, the path its
    # open named and its file (the slices hold none of them)
    assert {m: len(ids) for m, ids in capture.markers.items() if len(ids) != 3} == {}


def test_no_record_was_lost(artifacts):
    stats = (artifacts(SCENARIO) / "stats.json").read_text()
    for key in ("lost", "kernel_lost", "seq_missing", "malformed"):
        assert re.search(rf'"{key}":0[,}}]', stats), f"{key} is not 0 in {stats}"
