#!/usr/bin/env python3
# The hostile-archive suite of issue #3. Every archive is crafted here with
# tarfile at test time (none is checked in). For each one, in a fresh
# sandbox holding outside/ (sentinels) and target/ (where the layer is
# unpacked), it asserts that:
#   - the unpack fails, with "layer-tool: " + a message naming the entry;
#   - nothing outside target/ exists or changed afterwards (a full lstat +
#     content walk of the sandbox, target/ excluded, before and after).
# A benign control archive must unpack. Output is TAP.
# usage: hostile.py LAYER-TOOL [--keep]
import hashlib, io, os, shutil, stat, subprocess, sys, tarfile, tempfile

TOOL = sys.argv[1]
KEEP = "--keep" in sys.argv


def snapshot(sandbox):
    """Every node of the sandbox but target/: metadata and content."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(sandbox):
        if dirpath == sandbox and "target" in dirnames:
            dirnames.remove("target")
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            info = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns, st.st_nlink)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    info += (hashlib.sha256(f.read()).hexdigest(),)
            elif stat.S_ISLNK(st.st_mode):
                info += (os.readlink(p),)
            out[os.path.relpath(p, sandbox)] = info
    return out


class Tar:
    """An archive being crafted: members in the order given, PAX format."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.t = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, **kw):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = kw.pop("mode", 0o644)
        ti.mtime = 1700000000
        for k, v in kw.items():
            setattr(ti, k, v)
        return ti

    def file(self, name, data=b"pwned\n", **kw):
        ti = self._info(name, tarfile.REGTYPE, size=len(data), **kw)
        self.t.addfile(ti, io.BytesIO(data))
        return self

    def dir(self, name, **kw):
        self.t.addfile(self._info(name, tarfile.DIRTYPE, mode=0o755, **kw))
        return self

    def symlink(self, name, target):
        self.t.addfile(self._info(name, tarfile.SYMTYPE, linkname=target, mode=0o777))
        return self

    def hardlink(self, name, target):
        self.t.addfile(self._info(name, tarfile.LNKTYPE, linkname=target))
        return self

    def fifo(self, name):
        self.t.addfile(self._info(name, tarfile.FIFOTYPE))
        return self

    def chardev(self, name, major, minor):
        self.t.addfile(self._info(name, tarfile.CHRTYPE, devmajor=major, devminor=minor))
        return self

    def raw_header(self, ti, data=b""):
        """A header whose size does not match its data (or absurd fields)."""
        self.t.fileobj.write(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        self.t.fileobj.write(data)
        self.t.offset += len(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")) + len(data)
        return self

    def bytes(self, close=True):
        if close:
            self.t.close()
        return self.buf.getvalue()


def cases(out):
    """(name, archive bytes, entry the error must name, extra unpack flags)"""
    o = out  # absolute path of the sandbox's outside/
    c = []
    add = lambda n, tar, entry, flags=(): c.append((n, tar, entry, list(flags)))

    add("dotdot", Tar().file("../outside/evil").bytes(), "../outside/evil")
    add("dotdot-deep", Tar().file("a/b/../../../outside/evil").bytes(), "a/b/../../../outside/evil")
    add("dotdot-inside", Tar().dir("a/").file("a/../evil").bytes(), "a/../evil")
    add("absolute-name", Tar().file(o + "/evil").bytes(), o + "/evil")
    add("dotdot-dir", Tar().dir("../outside/newdir/").bytes(), "../outside/newdir/")
    add("symlink-then-write", Tar().symlink("link", "../outside").file("link/evil").bytes(),
        "link/evil")
    add("abs-symlink-then-write", Tar().symlink("link", o).file("link/evil").bytes(), "link/evil")
    add("symlink-chain", Tar().symlink("l1", "l2").symlink("l2", o).file("l1/evil").bytes(),
        "l1/evil")
    add("symlink-root-nested", Tar().dir("d/").symlink("d/l", "/").file("d/l" + o + "/evil")
        .bytes(), "d/l" + o + "/evil")
    add("symlink-dotdot-climb", Tar().dir("a/").symlink("a/b", "../../..")
        .file("a/b" + o + "/evil").bytes(), "a/b" + o + "/evil")
    add("symlink-then-mkdir", Tar().symlink("link", o).dir("link/newdir/").bytes(),
        "link/newdir/")
    add("symlink-then-fifo", Tar().symlink("link", o).fifo("link/fifo").bytes(), "link/fifo")
    add("symlink-then-hardlink-into", Tar().file("f").symlink("link", o).hardlink("link/h", "f")
        .bytes(), "link/h")
    add("hardlink-dotdot", Tar().hardlink("h", "../outside/secret").bytes(), "h")
    add("hardlink-absolute", Tar().hardlink("h", o + "/secret").bytes(), "h")
    add("hardlink-through-symlink", Tar().symlink("l", o).hardlink("h", "l/secret").bytes(), "h")
    add("hardlink-missing-target", Tar().hardlink("h", "etc/shadow").bytes(), "h")
    add("hardlink-to-dir", Tar().dir("d/").hardlink("h", "d").bytes(), "h")
    add("hardlink-to-symlink-then-write", Tar().symlink("l", o).hardlink("h", "l")
        .file("h/evil").bytes(), "h/evil")
    add("duplicate-file", Tar().file("f", b"one").file("f", b"two").bytes(), "f")
    add("overwrite-through-hardlink", Tar().file("f").hardlink("h", "f").file("h", b"new").bytes(),
        "h")
    add("file-replaces-dir", Tar().dir("d/").file("d").bytes(), "d")
    add("dir-over-symlink", Tar().symlink("x", o).dir("x/").bytes(), "x/")
    add("symlink-over-file", Tar().file("f").symlink("f", o + "/secret").bytes(), "f")
    add("planted-symlink-in-target", Tar().file("planted/evil").bytes(), "planted/evil")
    add("whiteout-dotdot", Tar().file(".wh...").bytes(), ".wh...")
    add("whiteout-through-symlink", Tar().symlink("l", o).file("l/.wh.secret").bytes(),
        "l/.wh.secret")
    add("opaque-through-symlink", Tar().symlink("l", o).file("l/.wh..wh..opq").bytes(),
        "l/.wh..wh..opq")
    add("device-unprivileged", Tar().dir("dev/").chardev("dev/sda", 8, 0).bytes(), "dev/sda",
        ["--no-devices"])
    ti = tarfile.TarInfo("huge")
    ti.size = 1 << 50
    add("absurd-size", Tar().raw_header(ti).bytes(close=False) + b"\0" * 1024, "huge")
    ti = tarfile.TarInfo("truncated")
    ti.size = 1 << 20
    add("truncated-data", Tar().raw_header(ti, b"x" * 512).bytes(close=False), "truncated")
    add("overlong-component", Tar().file("x" * 300).bytes(), "x" * 100)
    add("overlong-path", Tar().file("/".join(["p" * 200] * 25)).bytes(), "p" * 100)
    add("overlay-xattr", Tar().file("f", pax_headers={
        "SCHILY.xattr.trusted.overlay.redirect": "/outside"}).bytes(), "f")
    add("negative-uid", Tar().file("f", pax_headers={"uid": "-1"}).bytes(), "f")
    add("setuid-over-symlink", Tar().symlink("s", o + "/secret").file("s", mode=0o4755).bytes(),
        "s")
    return c


def control(n):
    """A benign archive with every kind of entry must unpack."""
    sandbox = tempfile.mkdtemp(prefix="berth-hostile-")
    try:
        t = (Tar().dir("etc/").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
             .hardlink("etc/passwd-", "etc/passwd").symlink("abs", "/etc/passwd")
             .symlink("rel", "../../../etc/passwd").fifo("fifo").file(".wh.gone")
             .dir("opq/").file("opq/.wh..wh..opq").file("setuid", b"#!", mode=0o4755))
        path = os.path.join(sandbox, "layer.tar")
        with open(path, "wb") as f:
            f.write(t.bytes())
        target = os.path.join(sandbox, "target")
        os.makedirs(target)
        p = subprocess.run([TOOL, "unpack", path, target], capture_output=True, text=True)
        st = os.lstat(os.path.join(target, "gone")) if p.returncode == 0 else None
        ok = (p.returncode == 0 and stat.S_ISCHR(st.st_mode) and st.st_rdev == 0 and
              os.getxattr(os.path.join(target, "opq"), "trusted.overlay.opaque") == b"y" and
              os.lstat(os.path.join(target, "setuid")).st_mode & 0o7777 == 0o4755 and
              os.readlink(os.path.join(target, "rel")) == "../../../etc/passwd")
        print("%s %d - control: a benign archive unpacks%s" %
              ("ok" if ok else "not ok", n, "" if ok else " # " + p.stderr.strip()))
        return ok
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


def main():
    count = len(cases("/OUT"))
    print("1..%d" % (count + 1))
    failed = 0 if control(1) else 1
    for i in range(count):
        # absolute names in the archives point at this very sandbox
        sandbox = tempfile.mkdtemp(prefix="berth-hostile-")
        try:
            name, data, entry, flags = cases(os.path.join(sandbox, "outside"))[i]
            failed += 0 if run_in(i + 2, name, sandbox, data, entry, flags) else 1
        finally:
            if not KEEP:
                shutil.rmtree(sandbox, ignore_errors=True)
    return 1 if failed else 0


def run_in(n, name, sandbox, data, entry, flags):
    out = os.path.join(sandbox, "outside")
    os.makedirs(os.path.join(out, "dir"))
    with open(os.path.join(out, "secret"), "w") as f:
        f.write("secret\n")
    os.chmod(os.path.join(out, "secret"), 0o600)
    target = os.path.join(sandbox, "target")
    os.makedirs(target)
    os.symlink(out, os.path.join(target, "planted"))
    path = os.path.join(sandbox, "layer.tar")
    with open(path, "wb") as f:
        f.write(data)
    before = snapshot(sandbox)
    p = subprocess.run([TOOL, "unpack"] + flags + [path, target], capture_output=True,
                       text=True, errors="replace")
    after = snapshot(sandbox)
    problems = []
    if p.returncode == 0:
        problems.append("unpack succeeded")
    err = p.stderr.strip()
    if not err.startswith("layer-tool: "):
        problems.append("unexpected stderr %r" % err)
    if ("'%s" % entry) not in err:
        problems.append("error does not name entry %r: %r" % (entry[:80], err[:300]))
    if before != after:
        changed = sorted(set(before.items()) ^ set(after.items()))
        problems.append("outside target changed: %r" % changed[:5])
    if problems:
        print("not ok %d - %s" % (n, name))
        for pr in problems:
            print("# " + pr)
        return False
    print("ok %d - %s: %s" % (n, name, err[12:160]))
    return True


if __name__ == "__main__":
    sys.exit(main())
