#!/usr/bin/env python3
# A metadata walk of a tree: one line per node, sorted, with type, mode,
# owner, size, mtime (seconds), content sha256, link target, device numbers,
# kept xattrs and hard-link group. Two trees are equal when their walks are.
# usage: treewalk.py DIR [--no-mtime-dirs] [--ignore NAME]...
import hashlib, os, stat, sys

def xattrs(path):
    out = []
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for n in sorted(names):
        if n.startswith("user.") or (n.startswith("security.") and n != "security.selinux") \
                or n == "trusted.overlay.opaque":
            out.append("%s=%s" % (n, os.getxattr(path, n, follow_symlinks=False).hex()))
    return out

def walk(root, opts):
    lines = []
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if rel in opts["ignore"]:
                continue
            st = os.lstat(p)
            t = stat.S_IFMT(st.st_mode)
            f = [rel.encode("utf-8", "surrogateescape").hex() if not rel.isprintable() else rel,
                 "%o" % st.st_mode, "%d:%d" % (st.st_uid, st.st_gid)]
            if not (stat.S_ISDIR(st.st_mode) and opts["no_dir_mtime"]):
                f.append("m%d" % int(st.st_mtime))
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                f += ["s%d" % st.st_size, h.hexdigest()[:16]]
                if st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    inodes.setdefault(key, rel)
                    f.append("link=" + inodes[key])
            elif stat.S_ISLNK(st.st_mode):
                f.append("->" + os.readlink(p))
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                f.append("dev=%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
            f += xattrs(p)
            lines.append(" ".join(f))
    return sorted(lines)

if __name__ == "__main__":
    opts = {"no_dir_mtime": False, "ignore": set()}
    args = sys.argv[1:]
    root = None
    while args:
        a = args.pop(0)
        if a == "--no-mtime-dirs":
            opts["no_dir_mtime"] = True
        elif a == "--ignore":
            opts["ignore"].add(args.pop(0))
        else:
            root = a
    for l in walk(root, opts):
        print(l)
