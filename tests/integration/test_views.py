# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""test_views.py: `sabpf graph` (docs/views.md) on the real raw capture of
the "run" scenario (tests/vm/scenarios/10-run.sh: `sh -c 'cat /etc/hostname
> /tmp/x'` in the test VM). The DOT graph is read back by Graphviz itself
(`dot -Tjson`, `dot -Tsvg`) and compared, node for node and edge for edge,
with the PROV-JSON document the same run wrote; the summary is checked
against what the command did and against the run's own counters."""

import json
import re
import subprocess
from collections import Counter
from xml.etree import ElementTree

import pytest
from provgraph import REPO, load_prov

SABPF = REPO / "build" / "sabpf"
SCENARIO = "run"  # whose artifacts these checks read (tests/vm/run.sh selects by it)


def graph(*args, check=True):
    """Runs `sabpf graph ARGS`; returns the completed process."""
    proc = subprocess.run([str(SABPF), "graph", *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        pytest.fail(f"sabpf graph {' '.join(map(str, args))} exited {proc.returncode}: {proc.stderr}")
    return proc


def graphviz(fmt, dot_file):
    """Renders a DOT file with Graphviz; fails the test unless it exits 0."""
    proc = subprocess.run(["dot", f"-T{fmt}", str(dot_file)], capture_output=True, text=True)
    assert proc.returncode == 0, f"dot -T{fmt} {dot_file} failed: {proc.stderr}"
    assert "Warning" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    return proc.stdout


def drawn(dot_file):
    """Nodes ({name: label}) and edges (Counter of (tail, head, relation))
    as Graphviz reads them."""
    g = json.loads(graphviz("json", dot_file))
    objects = g.get("objects", [])
    nodes = {o["name"]: o["label"] for o in objects if "nodes" not in o}  # clusters have "nodes"
    names = {o["_gvid"]: o["name"] for o in objects}
    edges = Counter()
    for e in g.get("edges", []):
        for part in e["label"].split("\\n"):  # one relation per line: "read ×3"
            m = re.fullmatch(r"(\w+)(?: ×(\d+))?", part)
            assert m, f"edge label line {part!r}"
            edges[(names[e["tail"]], names[e["head"]], m.group(1))] += int(m.group(2) or 1)
    return g, nodes, edges


@pytest.fixture
def capture(artifacts):
    path = artifacts("run") / "capture.raw"
    assert path.is_file(), f"{path} missing: 10-run.sh writes it with -o raw:"
    return path


@pytest.fixture
def run_stats(artifacts):
    return json.loads((artifacts("run") / "stats.json").read_text())


def test_dot_is_the_prov_graph(capture, artifacts, tmp_path):
    """Every node version and every relation of the run's PROV-JSON is in
    the DOT graph, with the same ends and counts, and nothing else."""
    graph("--dot", tmp_path / "g.dot", capture)
    _, nodes, edges = drawn(tmp_path / "g.dot")
    prov = load_prov(artifacts("run") / "capture.prov.json")
    strip = lambda n: n.split(":", 1)[1]  # "sabpf:n1_v0" -> "n1_v0"
    assert set(nodes) == {strip(n) for n in prov.nodes}
    assert edges == Counter((strip(e.src), strip(e.dst), e.type) for e in prov.edges)
    # labels: tasks "comm pid vN", files by path, argv as notes
    for name, attrs in prov.nodes.items():
        label = nodes[strip(name)]
        kind, version = attrs["prov:type"], attrs["cf:version"]
        if kind == "task":
            assert label == f"{attrs['cf:comm']} {attrs['cf:pid']} v{version}"
        elif kind == "argv":
            assert label == f"argv: {attrs['cf:argv']}"
        elif kind in ("file", "path") and "cf:pathname" in attrs:
            assert label == f"{attrs['cf:pathname']}\\n{kind} v{version}"


def test_dot_renders_to_svg_with_the_run_labels(capture, tmp_path):
    graph("--dot", tmp_path / "g.dot", capture)
    svg = graphviz("svg", tmp_path / "g.dot")
    (tmp_path / "g.svg").write_text(svg)
    root = ElementTree.fromstring(svg)  # well-formed XML
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for want in ("/etc/hostname", "/tmp/x", "/bin/busybox", "argv: cat /etc/hostname",
                 "argv: sh -c cat /etc/hostname > /tmp/x"):
        assert want in texts, f"{want!r} not in the SVG's texts {texts}"
    assert any(re.fullmatch(r"sh \d+ v\d+", t or "") for t in texts)
    assert any(re.fullmatch(r"(exe|cat) \d+ v\d+", t or "") for t in texts)
    # the read of /etc/hostname and the write of /tmp/x are edge labels
    assert "read" in texts and "write" in texts
    # one cluster: the container
    clusters = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cluster"]
    assert len(clusters) == 1


def test_sabpf_run_style_output_is_the_same_graph(capture, tmp_path):
    """`-o dot:FILE` (here through `sabpf convert`) gives the same bytes as
    `sabpf graph --dot FILE`: the view is an ordinary output format."""
    graph("--dot", tmp_path / "a.dot", capture)
    subprocess.run([str(SABPF), "convert", "-o", f"dot:{tmp_path / 'b.dot'}", str(capture)], check=True)
    assert (tmp_path / "a.dot").read_bytes() == (tmp_path / "b.dot").read_bytes()


def test_dot_collapse_draws_one_node_per_object(capture, artifacts, tmp_path):
    graph("--dot", tmp_path / "c.dot", "--collapse", capture)
    _, nodes, edges = drawn(tmp_path / "c.dot")
    prov = load_prov(artifacts("run") / "capture.prov.json")
    objects = {a["cf:id"] for a in prov.nodes.values()}
    assert set(nodes) == {f"n{i:x}" for i in objects}
    assert all(tail != head for tail, head, _ in edges)  # version steps are gone
    # the one task: its commands and its range of versions
    task = next(a for a in prov.nodes.values() if a["prov:type"] == "task")
    versions = sorted(a["cf:version"] for a in prov.nodes.values() if a["cf:id"] == task["cf:id"])
    label = nodes[f"n{task['cf:id']:x}"]
    assert re.fullmatch(rf"sh,(exe|cat) {task['cf:pid']} v{versions[0]}-{versions[-1]}", label), label
    graphviz("svg", tmp_path / "c.dot")


def test_dot_max_nodes_cuts_with_a_note(capture, tmp_path):
    proc = graph("--dot", tmp_path / "m.dot", "--max-nodes", 5, capture)
    g, nodes, _ = drawn(tmp_path / "m.dot")
    assert len(nodes) == 5
    assert "CUT: only the first 5 of" in g["label"]
    assert "graph cut: 5 of" in proc.stderr


def test_container_filter(capture, artifacts, run_stats, tmp_path):
    ident = run_stats["container_id"]
    graph("--dot", tmp_path / "f.dot", "--container", ident, capture)
    g, nodes, edges = drawn(tmp_path / "f.dot")
    assert f"container {ident} only" in g["label"]
    # the run has one container: its filter keeps every node and edge of the run
    prov = load_prov(artifacts("run") / "capture.prov.json")
    strip = lambda n: n.split(":", 1)[1]  # "sabpf:n1_v0" -> "n1_v0"
    assert set(nodes) == {strip(n) for n in prov.nodes}
    assert edges == Counter((strip(e.src), strip(e.dst), e.type) for e in prov.edges)
    bad = graph("--dot", tmp_path / "x.dot", "--container", ident + 1000, capture, check=False)
    assert bad.returncode == 1
    assert f"no container '{ident + 1000}'" in bad.stderr and f"containers are {ident}" in bad.stderr
    assert not (tmp_path / "x.dot").exists() and not (tmp_path / "x.dot.tmp").exists()


def test_summary_text(capture, run_stats):
    out = graph(capture).stdout  # the default view: the summary on stdout
    lines = out.splitlines()
    ident = run_stats["container_id"]
    assert lines[0].startswith("sabpf summary: 1 container; capture: "
                               f"{run_stats['records']} records, {run_stats['lost']} lost")
    assert lines[1].startswith(f"container {ident}: {run_stats['records']} records "
                               f"({run_stats['nodes']} nodes, {run_stats['edges']} edges)")
    # one process (busybox sh execs cat in place): both commands, both execs
    pid_line = next(l for l in lines if l.startswith("    pid "))
    assert re.fullmatch(r"    pid \d+ \(vpid 1\) ppid \d+ uid 0: sh, (exe|cat)", pid_line), pid_line
    assert "      exec /bin/busybox: sh -c cat /etc/hostname > /tmp/x" in lines
    assert "      exec /bin/busybox: cat /etc/hostname" in lines

    def section(title):
        start = next(i for i, l in enumerate(lines) if l.startswith(f"  {title}"))
        items = []
        for l in lines[start + 1:]:
            if not l.startswith("    "):
                break
            items.append(l.strip())
        return items

    assert "/etc/hostname" in section("files read")
    assert section("files written") == ["/tmp/x"]
    assert section("files created") == ["/tmp/x"]
    assert "  files deleted: none" in lines and "  network peers: none" in lines


def test_summary_json(capture, run_stats, tmp_path):
    graph("--summary", tmp_path / "s.json", "--json", capture)
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["capture"] == {"records": run_stats["records"], "lost": run_stats["lost"],
                              "seq_missing": run_stats["seq_missing"],
                              "malformed": run_stats["malformed"]}
    (c,) = doc["containers"]
    assert c["container_id"] == run_stats["container_id"]
    assert (c["nodes"], c["edges"], c["lost"]) == (run_stats["nodes"], run_stats["edges"], 0)
    (p,) = c["processes"]
    assert p["vpid"] == 1 and p["uid"] == 0 and p["comms"][0] == "sh"
    assert [x["argv"] for x in p["execs"]] == ["sh -c cat /etc/hostname > /tmp/x", "cat /etc/hostname"]
    assert {x["binary"] for x in p["execs"]} == {"/bin/busybox"}
    assert "/etc/hostname" in c["files"]["read"]
    assert c["files"]["written"] == ["/tmp/x"]
    assert c["files"]["deleted"] == [] and c["files"]["renamed"] == []
    assert c["network"] == {"peers": [], "bound": [], "listening": []}


def test_bad_inputs_are_refused_clearly(capture, tmp_path):
    junk = tmp_path / "junk.raw"
    junk.write_text("not a capture at all, just text\n")
    proc = graph("--dot", tmp_path / "j.dot", junk, check=False)
    assert proc.returncode == 1 and "is not a sabpf raw file" in proc.stderr
    assert not (tmp_path / "j.dot").exists()
    proc = graph("--collapse", capture, check=False)
    assert proc.returncode == 2 and "--collapse shapes the DOT graph only: add --dot FILE" in proc.stderr
    proc = graph("--dot", tmp_path / "j.dot", "--max-nodes", "many", capture, check=False)
    assert proc.returncode == 2 and "--max-nodes 'many' is not a count" in proc.stderr
