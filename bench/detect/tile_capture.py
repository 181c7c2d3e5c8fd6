#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""tile_capture.py: makes a big raw capture from a small one, for measuring
the detector's speed (bench/detect/speed.sh).

    tile_capture.py [--vary] IN.raw OUT.raw COPIES

OUT holds IN's header, then COPIES copies of IN's records, one after the
other in time. Copy i gets node ids of its own (i << 40 added to each id of
a NODE, NAME or EDGE record, namespaces excepted: those are shared), its
sequence numbers and times moved past the previous copy's, so the result
reads as one long capture of the same workload run COPIES times in a row.
With --vary, the process names (comm) of copy i end in i's digits, so that
each copy's processes look new to the detector: every label is a new one,
its worst case.
"""
import struct
import sys

NS_BASE = 0xFFFF << 48
HDR = struct.Struct("<HHIQQQ")  # type, cpu, size, seq, time_ns, container
REF = struct.Struct("<QIHH")  # id, version, kind, flags
REC_NODE, REC_EDGE, REC_NAME, REC_LOST = 1, 2, 3, 4
NODE_TASK = 1
COMM_AT = 152  # sabpf_node: hdr 32, ref 16, ctx 40, then sabpf_task_attrs.comm at 64


def records(data, off):
    while off < len(data):
        _, _, size, _, _, _ = HDR.unpack_from(data, off)
        if size < HDR.size or off + size > len(data):
            sys.exit(f"tile_capture.py: record at offset {off} is cut or has a bad size {size}")
        yield data[off:off + size]
        off += size


def shift_ref(rec, at, delta):
    ident, version, kind, flags = REF.unpack_from(rec, at)
    if ident & NS_BASE != NS_BASE:
        REF.pack_into(rec, at, ident + delta, version, kind, flags)


def main():
    args = sys.argv[1:]
    vary = args[:1] == ["--vary"]
    if vary:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    src, dst, copies = args[0], args[1], int(args[2])
    data = open(src, "rb").read()
    if data[:8] != b"SABPFRAW":
        sys.exit(f"tile_capture.py: {src} is not a sabpf raw file")
    ext = struct.unpack_from("<I", data, 12)[0]
    head = 16 + ext
    recs = list(records(data, head))
    max_seq = max((HDR.unpack_from(r)[3] for r in recs), default=0)
    times = [HDR.unpack_from(r)[4] for r in recs]
    span = (max(times) - min(times) + 1000) if times else 0
    with open(dst, "wb") as out:
        out.write(data[:head])
        for i in range(copies):
            delta = i << 40
            for r in recs:
                rec = bytearray(r)
                typ, cpu, size, seq, t, cont = HDR.unpack_from(rec)
                if seq:
                    seq += i * max_seq
                HDR.pack_into(rec, 0, typ, cpu, size, seq, t + i * span, cont)
                if typ in (REC_NODE, REC_NAME):
                    shift_ref(rec, 32, delta)
                    kind = REF.unpack_from(rec, 32)[2]
                    if vary and typ == REC_NODE and kind == NODE_TASK and size >= COMM_AT + 16:
                        comm = bytes(rec[COMM_AT:COMM_AT + 16]).split(b"\0")[0][:9]
                        rec[COMM_AT:COMM_AT + 16] = (comm + b"%06d" % i).ljust(16, b"\0")
                elif typ == REC_EDGE:
                    shift_ref(rec, 48, delta)
                    shift_ref(rec, 64, delta)
                out.write(rec)


if __name__ == "__main__":
    main()
