#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""mutate_capture.py: a copy of a raw capture whose edges of one relation
are turned into another (by number, enum sabpf_relation), for the negative
controls of tests/detect/check.sh: the same processes doing something else.

    mutate_capture.py IN.raw OUT.raw FROM_RELATION TO_RELATION

Prints how many edges it changed. records() walks a capture's records
(also for cut_capture.py)."""
import struct
import sys

HDR = struct.Struct("<HHIQQQ")
REC_EDGE = 2


def records(data, name, tool):
    """(offset, type, size, container) of each record of a raw capture."""
    if data[:8] != b"SABPFRAW":
        sys.exit(f"{tool}: {name} is not a sabpf raw file")
    off = 16 + struct.unpack_from("<I", data, 12)[0]
    while off < len(data):
        typ, _, size, _, _, container = HDR.unpack_from(data, off)
        if size < HDR.size:
            sys.exit(f"{tool}: bad record size {size} at offset {off}")
        yield off, typ, size, container
        off += size


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dst, old, new = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = bytearray(open(src, "rb").read())
    changed = 0
    for off, typ, _, _ in records(data, src, "mutate_capture.py"):
        if typ == REC_EDGE and struct.unpack_from("<I", data, off + 32)[0] == old:
            struct.pack_into("<I", data, off + 32, new)
            changed += 1
    open(dst, "wb").write(data)
    print(changed)


if __name__ == "__main__":
    main()
