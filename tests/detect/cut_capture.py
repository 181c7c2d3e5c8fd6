#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""cut_capture.py: cuts a raw capture after the N-th edge record of one
container (where `sabpf detect watch` reports an alert's "edges"), for the
live --dot check of tests/detect/check.sh: HEAD.raw is a capture of the
records up to that one, TAIL the records after it (no file header), so that
`cat HEAD.raw TAIL` is the capture again.

    cut_capture.py IN.raw CONTAINER N HEAD.raw TAIL

Prints the offset of the cut."""
import sys

from mutate_capture import REC_EDGE, records


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    src, container, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = open(src, "rb").read()
    edges, cut = 0, None
    for off, typ, size, ctr in records(data, src, "cut_capture.py"):
        edges += typ == REC_EDGE and ctr == container
        if edges == n:
            cut = off + size
            break
    if cut is None:
        sys.exit(f"cut_capture.py: {src} has {edges} edges of container {container}, not {n}")
    open(sys.argv[4], "wb").write(data[:cut])
    open(sys.argv[5], "wb").write(data[cut:])
    print(cut)


if __name__ == "__main__":
    main()
