# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""mount2.py: the new mount API and pivot_root for
tests/native/scenarios/16-trace-mount.sh, run in a user and mount namespace
of its own (unshare -Urm) in the work directory (argv[1]), by system call
number (Python's os module has neither):
  - a tmpfs on src, cloned by open_tree(OPEN_TREE_CLONE) and put on
    "moved" by move_mount(fd, "", AT_FDCWD, "moved", MOVE_MOUNT_F_EMPTY_PATH);
  - the same clone put on the directory a descriptor names:
    move_mount(fd, "", dirfd of moved2, "", F_EMPTY_PATH | T_EMPTY_PATH);
  - a move_mount to a directory that does not exist (fails: the negative
    control);
  - pivot_root(DIR/newroot, DIR/newroot/old) onto a tmpfs (absolute names:
    a relative one would be completed at the exit against the working
    directory's path, which the pivot has moved under /old)."""

import ctypes
import os
import sys

AT_FDCWD, OPEN_TREE_CLONE = -100, 1
MOVE_MOUNT_F_EMPTY_PATH, MOVE_MOUNT_T_EMPTY_PATH = 0x4, 0x40
NR_open_tree, NR_move_mount, NR_pivot_root = 428, 429, 155

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(what, *args, fails=False):
    r = libc.syscall(*args)
    if (r < 0) != fails:
        sys.exit(f"mount2: {what}: {os.strerror(ctypes.get_errno()) if r < 0 else 'did not fail'}")
    return r


os.chdir(sys.argv[1])
for d in ("src", "moved", "moved2", "newroot"):
    os.mkdir(d)
if libc.mount(b"none", b"src", b"tmpfs", 0, None) != 0:
    sys.exit(f"mount2: mount src: {os.strerror(ctypes.get_errno())}")
tree = call("open_tree", NR_open_tree, AT_FDCWD, b"src", OPEN_TREE_CLONE)
call("move_mount", NR_move_mount, tree, b"", AT_FDCWD, b"moved", MOVE_MOUNT_F_EMPTY_PATH)
tree = call("open_tree", NR_open_tree, AT_FDCWD, b"src", OPEN_TREE_CLONE)
to = os.open("moved2", os.O_PATH | os.O_DIRECTORY)
call("move_mount to a descriptor", NR_move_mount, tree, b"", to, b"",
     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
tree = call("open_tree", NR_open_tree, AT_FDCWD, b"src", OPEN_TREE_CLONE)
call("move_mount to nothing", NR_move_mount, tree, b"", AT_FDCWD, b"missing",
     MOVE_MOUNT_F_EMPTY_PATH, fails=True)
if libc.mount(b"none", b"newroot", b"tmpfs", 0, None) != 0:
    sys.exit(f"mount2: mount newroot: {os.strerror(ctypes.get_errno())}")
os.mkdir("newroot/old")
new = os.path.join(sys.argv[1], "newroot").encode()
call("pivot_root", NR_pivot_root, new, new + b"/old")
print("mount2=done")
