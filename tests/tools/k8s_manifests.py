#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""k8s_manifests.py: checks deploy/*.yaml with the official Kubernetes
Python client's models (Debian python3-kubernetes) as the judge, since no
API server runs here for `kubectl --dry-run=server`, and kubectl's client
dry run needs one too. Each document is deserialized into its model class
(required fields enforced by the models) and serialized back: any field
the API does not know (a typo) is dropped by the round trip and reported
with its path. Then sabpf's own rules: no privileged container, all
capabilities dropped before the few added, no service-account token.

The configuration: every ConfigMap's keys are written out as files and
sabpf.yaml is judged by the agent's own parser (`build/sabpf config check`,
policy files included), as is deploy/sabpf.yaml; the DaemonSet must mount
that ConfigMap as a directory (a subPath mount is never updated),
read-only, at /etc/sabpf, and run with --config /etc/sabpf/sabpf.yaml
--watch-config. Then kubectl's client side (`kubectl kustomize`, which
needs no API server: every `--dry-run=client` form of kubectl asks one for
its resource list) builds all the manifests together.

A self-test first feeds mutated copies (an unknown field, a missing
required field, privileged: true, a class typo in the configuration, a
subPath mount, no --watch-config, a manifest without kind for kubectl) and
fails unless each one is caught.
Prints TAP-like lines and "deploy: N passed, N failed".
Run with /usr/bin/python3 (Debian's modules)."""
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml
from kubernetes import client

API = client.ApiClient()


class _Resp:  # ApiClient.deserialize takes a response with .data
    def __init__(self, doc):
        self.data = json.dumps(doc)


def model_of(doc):
    group, _, version = doc.get("apiVersion", "").rpartition("/")
    prefix = "V1" if version == "v1" else version.capitalize()
    return prefix + doc.get("kind", "")


def first_difference(a, b, path=""):
    """The first path where a (the manifest) has what b (the round trip) lacks."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                return f"{path}.{k}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (length)"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path} ({a!r} became {b!r})"


def pod_spec(doc):
    if doc["kind"] == "Pod":
        return doc["spec"]
    if doc["kind"] in ("DaemonSet", "Deployment"):
        return doc["spec"]["template"]["spec"]
    return None


def problems(doc):
    """Everything wrong with one document, as strings."""
    out = []
    name = model_of(doc)
    if not hasattr(client, name):
        return [f"unknown kind {doc.get('apiVersion')}/{doc.get('kind')}"]
    try:
        obj = API.deserialize(_Resp(doc), name)
    except (ValueError, TypeError) as e:
        return [f"{name}: {e}"]
    back = API.sanitize_for_serialization(obj)
    d = first_difference(doc, back)
    if d:
        out.append(f"{name}: field {d} is not part of the API (typo?)")
    spec = pod_spec(doc)
    if spec is not None:
        if spec.get("automountServiceAccountToken") is not False:
            out.append(f"{name}: automountServiceAccountToken must be false (no API access)")
        for c in spec.get("containers", []):
            if not c["image"].startswith("localhost/sabpf:"):
                continue
            sc = c.get("securityContext", {})
            if sc.get("privileged"):
                out.append(f"{name}/{c['name']}: privileged (use the capabilities listed)")
            caps = sc.get("capabilities", {})
            if caps.get("drop") != ["ALL"]:
                out.append(f"{name}/{c['name']}: capabilities.drop must be [ALL]")
    return out


def self_test(doc):
    """Mutations that must each be caught (negative controls)."""
    if pod_spec(doc) is None:
        return []
    cases = []
    m = copy.deepcopy(doc)
    pod_spec(m)["containers"][0]["imagePullPolicyy"] = "Always"
    cases.append(("an unknown field", m))
    if doc["kind"] == "DaemonSet":
        m = copy.deepcopy(doc)
        del m["spec"]["selector"]
        cases.append(("a missing required field", m))
    m = copy.deepcopy(doc)
    for c in pod_spec(m)["containers"]:
        c.setdefault("securityContext", {})["privileged"] = True
    cases.append(("privileged: true", m))
    return cases


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SABPF = os.path.join(REPO, "build", "sabpf")
CONFIG_DIR = "/etc/sabpf"


def config_check(data):
    """`sabpf config check` of a ConfigMap's data (its keys as files):
    None when valid, else the error."""
    if "sabpf.yaml" not in data:
        return "no key sabpf.yaml"
    with tempfile.TemporaryDirectory(prefix="sabpf-cm-") as d:
        for key, text in data.items():
            with open(os.path.join(d, key), "w") as f:
                f.write(text)
        r = subprocess.run([SABPF, "config", "check", os.path.join(d, "sabpf.yaml")],
                           capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stderr.strip() or f"exit {r.returncode}")


def wiring(ds, configmaps):
    """What is wrong with how the DaemonSet ds takes its configuration."""
    out = []
    spec = pod_spec(ds)
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for c in spec["containers"]:
        if not c["image"].startswith("localhost/sabpf:"):
            continue
        args = c.get("args", [])
        if "--config" not in args or args[args.index("--config") + 1] != CONFIG_DIR + "/sabpf.yaml":
            out.append(f"{c['name']}: no --config {CONFIG_DIR}/sabpf.yaml")
        if "--watch-config" not in args:
            out.append(f"{c['name']}: no --watch-config (a ConfigMap update would not be seen)")
        mounts = [m for m in c.get("volumeMounts", []) if m["mountPath"] == CONFIG_DIR]
        if len(mounts) != 1:
            out.append(f"{c['name']}: nothing mounted at {CONFIG_DIR}")
            continue
        m = mounts[0]
        if "subPath" in m or "subPathExpr" in m:
            out.append(f"{c['name']}: {CONFIG_DIR} is a subPath mount, never updated")
        if m.get("readOnly") is not True:
            out.append(f"{c['name']}: {CONFIG_DIR} must be mounted readOnly")
        cm = vols.get(m["name"], {}).get("configMap", {}).get("name")
        if cm not in configmaps:
            out.append(f"{c['name']}: {CONFIG_DIR} is not a ConfigMap of deploy/ ({cm})")
    return out


def kubectl_build(paths):
    """`kubectl kustomize` of copies of the manifests: None or the error."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return "kubectl not installed (scripts/install-deps.sh installs kubernetes-client)"
    with tempfile.TemporaryDirectory(prefix="sabpf-kz-") as d:
        names = []
        for i, (name, text) in enumerate(paths):
            names.append(f"{i}-{os.path.basename(name)}")
            with open(os.path.join(d, names[-1]), "w") as f:
                f.write(text)
        with open(os.path.join(d, "kustomization.yaml"), "w") as f:
            f.write("resources:\n" + "".join(f"- {n}\n" for n in names))
        r = subprocess.run([kubectl, "kustomize", d], capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


def main():
    repo = REPO
    passed = failed = 0

    def report(good, text):
        nonlocal passed, failed
        print(("ok - " if good else "not ok - ") + text)
        passed += good
        failed += not good

    files = sorted(glob.glob(os.path.join(repo, "deploy", "*.yaml")))
    report(len(files) > 0, f"{len(files)} YAML files in deploy/")
    manifests, configmaps, daemonsets = [], {}, []
    if not os.access(SABPF, os.X_OK):
        report(False, f"{SABPF} not built: run make first (configurations are judged by it)")
    for path in files:
        rel = os.path.relpath(path, repo)
        with open(path) as f:
            text = f.read()
        docs = [d for d in yaml.safe_load_all(text) if d]
        if not any(isinstance(d, dict) and "apiVersion" in d for d in docs):
            r = subprocess.run([SABPF, "config", "check", path], capture_output=True, text=True)
            report(r.returncode == 0, f"{rel}: a configuration file, valid for `sabpf config check`"
                   + ("" if r.returncode == 0 else ": " + r.stderr.strip()))
            continue
        manifests.append((rel, text))
        for doc in docs:
            what = f"{rel}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            p = problems(doc)
            report(not p, what + (": " + "; ".join(p) if p else " is valid"))
            for label, mutated in self_test(doc):
                report(bool(problems(mutated)), f"{what} with {label} is refused")
            if doc.get("kind") == "ConfigMap":
                configmaps[doc["metadata"]["name"]] = doc
                e = config_check(doc.get("data", {}))
                report(e is None, f"{what}: its sabpf.yaml is valid for `sabpf config check`"
                       + (f": {e}" if e else ""))
                bad = dict(doc["data"])
                bad["sabpf.yaml"] = bad.get("sabpf.yaml", "").replace("classes: proc", "classes: porc", 1)
                e = config_check(bad)
                report(e is not None and "sabpf.yaml:" in e and "'porc'" in e,
                       f"{what} with a class typo is refused with FILE:LINE:COLUMN ({e})")
                bad = {k: v for k, v in doc["data"].items() if k == "sabpf.yaml"}
                report("policy:" not in bad["sabpf.yaml"] or config_check(bad) is not None,
                       f"{what} without its policy files is refused")
            if doc.get("kind") == "DaemonSet":
                daemonsets.append((what, doc))
    for what, ds in daemonsets:
        p = wiring(ds, configmaps)
        report(not p, f"{what} takes its configuration from a ConfigMap of deploy/, read-only, "
               "updated, watched" + (": " + "; ".join(p) if p else ""))
        for label, change in (
                ("a subPath mount", lambda c, s: [m.update(subPath="sabpf.yaml")
                                                  for m in c["volumeMounts"]
                                                  if m["mountPath"] == CONFIG_DIR]),
                ("no --watch-config", lambda c, s: c["args"].remove("--watch-config")),
                ("another ConfigMap", lambda c, s: [v["configMap"].update(name="other")
                                                    for v in s["volumes"] if "configMap" in v])):
            m = copy.deepcopy(ds)
            change(pod_spec(m)["containers"][0], pod_spec(m))
            report(bool(wiring(m, configmaps)), f"{what} with {label} is refused")
    e = kubectl_build(manifests)
    report(e is None, "kubectl kustomize builds every manifest of deploy/ (client side, no "
           "API server)" + (f": {e}" if e else ""))
    broken = [(n, t.replace("\nkind: ", "\nkindd: ", 1)) for n, t in manifests]
    report(kubectl_build(broken) is not None, "kubectl kustomize refuses a manifest without kind")
    broken = [(n, t.replace("\nmetadata:\n", "\nmetadata: [\n", 1)) for n, t in manifests]
    report(kubectl_build(broken) is not None, "kubectl kustomize refuses a malformed manifest")
    print(f"deploy: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
