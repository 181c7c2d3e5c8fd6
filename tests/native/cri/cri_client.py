# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""cri_client.py: a minimal CRI client for tests/native/scenarios/75-cri.sh,
standing in for the kubelet. It speaks containerd's CRI API (gRPC,
runtime.v1) with the stubs that grpcio-tools compiles at run time from
cri_min.proto, and makes pods the way the kubelet does: RunPodSandbox with the
pod's metadata and a cgroup parent under kubepods (cgroupfs driver), then
CreateContainer and StartContainer. It also builds the offline image the
sandbox and the container run (an OCI archive for `ctr image import`).

  cri_client.py image ROOTFS_DIR OUT.tar REF CMD...
  cri_client.py --socket S --gen DIR version
  cri_client.py --socket S --gen DIR run-pod --name N --namespace NS --uid U
      --qos besteffort --container C --image REF -- CMD...
  cri_client.py --socket S --gen DIR remove-pod SANDBOX_ID

run-pod prints one JSON object: sandbox_id, container_id, cgroup_parent.
Errors from the runtime are printed with the call that failed; exit 1."""

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

PROTO_DIR = os.path.dirname(os.path.abspath(__file__))


def blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo(f"blobs/sha256/{digest}")
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))
    return "sha256:" + digest, len(data)


def build_image(rootfs, dest, ref, cmd):
    """An OCI image archive (oci-layout, index.json, blobs) of one
    uncompressed layer holding rootfs, its Cmd set to cmd and its name ref
    in the index (the annotation ctr's importer reads)."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
        t.add(rootfs, arcname=".")
    layer = layer.getvalue()
    with tarfile.open(dest, "w") as out:
        layer_digest, layer_size = blob(out, layer)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": cmd, "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }
        cfg_digest, cfg_size = blob(out, json.dumps(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": cfg_digest, "size": cfg_size},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": layer_digest, "size": layer_size}],
        }
        man_digest, man_size = blob(out, json.dumps(manifest).encode())
        index = {
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": man_digest, "size": man_size,
                           "annotations": {"io.containerd.image.name": ref,
                                           "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1]}}],
        }
        for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                           ("index.json", json.dumps(index).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def stubs(gen):
    """Compiles cri_min.proto into gen (once) and imports its modules."""
    from grpc_tools import protoc  # Debian python3-grpc-tools

    os.makedirs(gen, exist_ok=True)
    if not os.path.exists(os.path.join(gen, "cri_min_pb2_grpc.py")):
        rc = protoc.main(["protoc", f"-I{PROTO_DIR}", f"--python_out={gen}",
                          f"--grpc_python_out={gen}", os.path.join(PROTO_DIR, "cri_min.proto")])
        if rc != 0:
            sys.exit(f"cri_client: protoc failed on {PROTO_DIR}/cri_min.proto (exit {rc})")
    sys.path.insert(0, gen)
    import cri_min_pb2
    import cri_min_pb2_grpc

    return cri_min_pb2, cri_min_pb2_grpc


def call(stub, name, request):
    import grpc

    try:
        return getattr(stub, name)(request, timeout=30)
    except grpc.RpcError as e:
        sys.exit(f"cri_client: {name} failed: {e.code().name}: {e.details()}")


def main():
    ap = argparse.ArgumentParser(description="minimal CRI client (tests only)")
    ap.add_argument("--socket")
    ap.add_argument("--gen")
    sub = ap.add_subparsers(dest="cmd", required=True)
    im = sub.add_parser("image")
    im.add_argument("rootfs")
    im.add_argument("dest")
    im.add_argument("ref")
    im.add_argument("argv", nargs="+")
    sub.add_parser("version")
    rp = sub.add_parser("run-pod")
    for opt in ("--name", "--namespace", "--uid", "--container", "--image"):
        rp.add_argument(opt, required=True)
    rp.add_argument("--qos", default="besteffort", choices=["besteffort", "burstable", "guaranteed"])
    rp.add_argument("argv", nargs="+")
    rm = sub.add_parser("remove-pod")
    rm.add_argument("sandbox_id")
    a = ap.parse_args()

    if a.cmd == "image":
        build_image(a.rootfs, a.dest, a.ref, a.argv)
        return
    if not a.socket or not a.gen:
        ap.error("--socket and --gen are needed to talk to the runtime")
    import grpc

    pb, pb_grpc = stubs(a.gen)
    stub = pb_grpc.RuntimeServiceStub(grpc.insecure_channel("unix://" + a.socket))
    if a.cmd == "version":
        v = call(stub, "Version", pb.VersionRequest(version="v1"))
        print(json.dumps({"runtime_name": v.runtime_name, "runtime_version": v.runtime_version,
                          "runtime_api_version": v.runtime_api_version}))
    elif a.cmd == "run-pod":
        # as the kubelet's cgroupfs driver: /kubepods[/<qos>]/pod<uid>
        parent = "/kubepods" + ("" if a.qos == "guaranteed" else "/" + a.qos) + "/pod" + a.uid
        ns = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
        pod_labels = {"io.kubernetes.pod.name": a.name, "io.kubernetes.pod.namespace": a.namespace,
                      "io.kubernetes.pod.uid": a.uid, "app": a.name}
        sandbox = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=a.name, uid=a.uid, namespace=a.namespace, attempt=0),
            labels=pod_labels,
            annotations={"kubernetes.io/config.source": "api"},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=parent,
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns)),
        )
        sid = call(stub, "RunPodSandbox", pb.RunPodSandboxRequest(config=sandbox)).pod_sandbox_id
        container = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=a.container, attempt=0),
            image=pb.ImageSpec(image=a.image),
            command=a.argv,
            labels=dict(pod_labels, **{"io.kubernetes.container.name": a.container}),
            linux=pb.LinuxContainerConfig(
                security_context=pb.LinuxContainerSecurityContext(namespace_options=ns)),
        )
        cid = call(stub, "CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=sid, config=container, sandbox_config=sandbox)).container_id
        call(stub, "StartContainer", pb.StartContainerRequest(container_id=cid))
        print(json.dumps({"sandbox_id": sid, "container_id": cid, "cgroup_parent": parent}))
    elif a.cmd == "remove-pod":
        # StopPodSandbox kills the pod's containers; RemovePodSandbox removes them
        call(stub, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=a.sandbox_id))
        call(stub, "RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=a.sandbox_id))


if __name__ == "__main__":
    main()
