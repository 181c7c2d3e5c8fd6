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

A self-test first feeds mutated copies (an unknown field, a missing
required field, privileged: true) and fails unless each one is caught.
Prints TAP-like lines and "deploy: N passed, N failed".
Run with /usr/bin/python3 (Debian's modules)."""
import copy
import glob
import json
import os
import sys

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


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    passed = failed = 0

    def report(good, text):
        nonlocal passed, failed
        print(("ok - " if good else "not ok - ") + text)
        passed += good
        failed += not good

    files = sorted(glob.glob(os.path.join(repo, "deploy", "*.yaml")))
    report(len(files) > 0, f"{len(files)} YAML files in deploy/")
    for path in files:
        rel = os.path.relpath(path, repo)
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        if not any(isinstance(d, dict) and "apiVersion" in d for d in docs):
            print(f"# {rel}: not a Kubernetes manifest (no apiVersion): not judged here")
            continue
        for doc in docs:
            what = f"{rel}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            p = problems(doc)
            report(not p, what + (": " + "; ".join(p) if p else " is valid"))
            for label, mutated in self_test(doc):
                report(bool(problems(mutated)), f"{what} with {label} is refused")
    print(f"deploy: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
