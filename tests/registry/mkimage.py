#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a test image as an OCI image layout that skopeo can push.

mkimage.py --out DIR --tag TAG [--layers N] [--size BYTES] [--rootfs TAR]
           [--platform OS/ARCH[/VARIANT]]... [--compress gzip|none]

Each layer holds data/layer-<i> (random bytes, --size each) and the file
/platform naming the image's platform; --rootfs adds a rootfs tarball as
the first layer. With several --platform, TAG names an image index over one
image per platform.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"


def put_blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    path = os.path.join(out, "blobs", "sha256", d)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + d


def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def layer(out, raw, compress):
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    if compress == "gzip":
        blob = gzip.compress(raw, compresslevel=1, mtime=0)
        mt = "application/vnd.oci.image.layer.v1.tar+gzip"
    else:
        blob = raw
        mt = "application/vnd.oci.image.layer.v1.tar"
    d = put_blob(out, blob)
    return {"mediaType": mt, "digest": d, "size": len(blob)}, diff_id


def image(out, a, platform):
    parts = platform.split("/")
    layers, diff_ids, history = [], [], []
    if a.rootfs:
        with open(a.rootfs, "rb") as f:
            desc, diff = layer(out, f.read(), a.compress)
        layers.append(desc)
        diff_ids.append(diff)
        history.append({"created_by": "rootfs " + os.path.basename(a.rootfs)})
    for i in range(a.layers):
        files = [("data/layer-%d" % i, os.urandom(a.size))]
        if i == 0:
            files.append(("platform", (platform + "\n").encode()))
        desc, diff = layer(out, tar_of(files), a.compress)
        layers.append(desc)
        diff_ids.append(diff)
        history.append({"created_by": "layer %d" % i})
    cfg = {"architecture": parts[1], "os": parts[0]}
    if len(parts) > 2:
        cfg["variant"] = parts[2]
    cfg["config"] = {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    cfg["history"] = history
    cfg_bytes = json.dumps(cfg, separators=(",", ":")).encode()
    man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": OCI_CONFIG, "digest": put_blob(out, cfg_bytes),
                      "size": len(cfg_bytes)},
           "layers": layers}
    mb = json.dumps(man, separators=(",", ":")).encode()
    desc = {"mediaType": OCI_MANIFEST, "digest": put_blob(out, mb), "size": len(mb)}
    plat = {"architecture": parts[1], "os": parts[0]}
    if len(parts) > 2:
        plat["variant"] = parts[2]
    return desc, plat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--rootfs")
    ap.add_argument("--platform", action="append")
    ap.add_argument("--compress", default="gzip", choices=["gzip", "none"])
    a = ap.parse_args()
    platforms = a.platform or ["linux/amd64"]
    os.makedirs(os.path.join(a.out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    descs = [image(a.out, a, p) for p in platforms]
    if len(descs) == 1:
        top = descs[0][0]
    else:
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX,
               "manifests": [dict(d, platform=p) for d, p in descs]}
        ib = json.dumps(idx, separators=(",", ":")).encode()
        top = {"mediaType": OCI_INDEX, "digest": put_blob(a.out, ib), "size": len(ib)}
    ipath = os.path.join(a.out, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(ipath):
        with open(ipath) as f:
            index = json.load(f)
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != a.tag]
    index["manifests"].append(dict(top, annotations={"org.opencontainers.image.ref.name": a.tag}))
    with open(ipath, "w") as f:
        json.dump(index, f)
    print(top["digest"])


if __name__ == "__main__":
    sys.exit(main())
