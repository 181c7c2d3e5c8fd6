# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""attr.py: the workload of tests/native/scenarios/15-trace-attr.sh: one
attribute system call of each kind on its own file of the work directory
(argv[1]), so that tests/native/test_trace_attr.py can tell them apart.
Python's os module maps each call to the system call named in the comment."""

import ctypes
import os
import sys

w = sys.argv[1]
uid, gid = os.getuid(), os.getgid()


def make(name):
    path = f"{w}/{name}"
    with open(path, "w") as f:
        f.write(name)
    return path


os.chmod(make("chmod.txt"), 0o600)  # chmod
fd = os.open(make("fchmod.txt"), os.O_RDONLY)
os.fchmod(fd, 0o604)  # fchmod
os.close(fd)
dirfd = os.open(w, os.O_RDONLY | os.O_DIRECTORY)
make("fchmodat.txt")
os.chmod("fchmodat.txt", 0o610, dir_fd=dirfd)  # fchmodat
os.chown(make("chown.txt"), uid, -1)  # chown: the owner only
fd = os.open(make("fchown.txt"), os.O_RDONLY)
os.fchown(fd, uid, gid)  # fchown
os.close(fd)
os.symlink(make("target.txt"), f"{w}/link")
os.lchown(f"{w}/link", -1, gid)  # lchown: the group only
make("fchownat.txt")
os.chown("fchownat.txt", uid, gid, dir_fd=dirfd)  # fchownat
os.close(dirfd)
os.setxattr(make("setxattr.txt"), "user.sabpf", b"1")  # setxattr
os.setxattr(make("lsetxattr.txt"), "user.lname", b"1", os.XATTR_CREATE, follow_symlinks=False)
fd = os.open(make("fsetxattr.txt"), os.O_RDWR)
os.setxattr(fd, "user.fd", b"1")  # fsetxattr
os.removexattr(fd, "user.fd")  # fremovexattr
os.close(fd)
os.removexattr(f"{w}/setxattr.txt", "user.sabpf")  # removexattr
# reading attributes: an attribute that exists, by name and by descriptor
p = make("getxattr.txt")
os.setxattr(p, "user.get", b"1")  # setxattr (of its own label)
os.getxattr(p, "user.get")  # getxattr
fd = os.open(make("fgetxattr.txt"), os.O_RDONLY)
os.setxattr(fd, "user.fget", b"1")  # fsetxattr
os.getxattr(fd, "user.fget")  # fgetxattr
os.listxattr(fd)  # flistxattr
os.close(fd)
os.listxattr(make("listxattr.txt"))  # listxattr
# stat: by name (glibc: newfstatat) and by descriptor (glibc's fstat:
# newfstatat with AT_EMPTY_PATH and an empty name)
os.stat(make("stat.txt"))
fd = os.open(make("fstat.txt"), os.O_RDONLY)
os.fstat(fd)
os.close(fd)
# times: given (utimensat), the current time (times NULL), by descriptor
# (futimens: utimensat(fd, NULL, times)), and atime omitted (UTIME_OMIT,
# through ctypes: os.utime cannot say it)
os.utime(make("utime_times.txt"), (1, 2))
os.utime(make("utime_now.txt"))
fd = os.open(make("futimens.txt"), os.O_RDONLY)
os.utime(fd, (3, 4))
os.close(fd)


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


UTIME_OMIT = (1 << 30) - 2
times = (Timespec * 2)(Timespec(0, UTIME_OMIT), Timespec(5, 0))
libc = ctypes.CDLL(None, use_errno=True)
if libc.utimensat(-100, make("utime_omit.txt").encode(), times, 0) != 0:  # AT_FDCWD
    sys.exit(f"utimensat: {os.strerror(ctypes.get_errno())}")
with open(make("untouched.txt")) as f:  # the negative control: read only
    f.read()
