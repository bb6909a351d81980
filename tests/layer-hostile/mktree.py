#!/usr/bin/env python3
# Makes the round-trip tree of issue #3: regular and empty files, hard
# links, absolute and relative symlinks, a FIFO, a sparse file, xattrs, a
# file capability, setuid/setgid/sticky modes, odd owners, UTF-8 and very
# long names, deep nesting. usage: mktree.py DIR
import os, sys

root = sys.argv[1]
os.makedirs(root, exist_ok=True)
def p(*a): return os.path.join(root, *a)
def write(rel, data, mode=0o644):
    with open(p(rel), "wb") as f:
        f.write(data)
    os.chmod(p(rel), mode)

os.makedirs(p("etc"))
write("etc/hostname", b"berth\n")
write("empty", b"")
write("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
os.link(p("etc/passwd"), p("etc/passwd-hardlink"))
os.link(p("etc/passwd"), p("hardlink-top"))
os.symlink("/etc/passwd", p("abs-link"))
os.symlink("etc/hostname", p("rel-link"))
os.symlink("../../nowhere", p("etc/dangling-link"))
os.mkfifo(p("fifo"))
with open(p("sparse"), "wb") as f:
    f.seek(64 << 20)
    f.write(b"end")
    f.seek(1 << 20)
    f.write(b"middle")
write("xattr-file", b"x\n")
os.setxattr(p("xattr-file"), "user.berth.test", b"value-1")
os.setxattr(p("xattr-file"), "user.other", b"\x00\x01binary")
write("ping", b"\x7fELF fake\n", 0o755)
# security.capability v2: cap_net_raw (bit 13) permitted + effective
cap = bytes([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
os.setxattr(p("ping"), "security.capability", cap)
write("setuid", b"#!/bin/sh\n", 0o4755)
write("setgid", b"#!/bin/sh\n", 0o2711)
os.makedirs(p("tmp"))
os.chmod(p("tmp"), 0o1777)
write("owned", b"owned by 1234:5678\n", 0o600)
os.chown(p("owned"), 1234, 5678)
os.makedirs(p("utf8-ñame-日本語-🚀"))
write("utf8-ñame-日本語-🚀/fïlé-Ω.txt", b"unicode\n")
long = "L" * 255
write(long, b"long name\n")
d = "deep"
os.makedirs(p("deep"))
longdir = p("deep")
for i in range(60):
    longdir = os.path.join(longdir, "level-%02d-%s" % (i, "d" * 40))
os.makedirs(longdir)
with open(os.path.join(longdir, "bottom"), "wb") as f:
    f.write(b"bottom of a %d-byte path\n" % len(longdir))
os.makedirs(p("dir-mode-0700"), mode=0o700)
os.chmod(p("dir-mode-0700"), 0o700)
