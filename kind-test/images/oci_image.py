#!/usr/bin/env python3
"""Assembles a reproducible OCI image layout from directories, without a container engine.

Usage: oci_image.py OUT_DIR TAG CONFIG_JSON LAYER_SPEC...
  LAYER_SPEC is SRC_DIR=DEST_PATH: the tree under SRC_DIR becomes DEST_PATH in the image.
  CONFIG_JSON holds the image config's "config" object (Entrypoint, User, WorkingDir, Env...).
Layers are gzip'd tars with fixed owners and timestamps (SOURCE_DATE_EPOCH, default 0), entries
sorted, so the same inputs give the same digests. Prints the manifest digest.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


def blob(out, data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(out, "blobs", "sha256", digest)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def add_tree(tar, src, dest):
    dest = dest.strip("/")
    parts = dest.split("/") if dest else []
    for i in range(1, len(parts) + 1):  # parent directories of the destination
        info = tarfile.TarInfo("/".join(parts[:i]))
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, EPOCH
        tar.addfile(info)
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(root, name)
            arc = "/".join(p for p in [dest, "" if rel == "." else rel, name] if p)
            info = tar.gettarinfo(path, arc)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = EPOCH
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)


def layer(src, dest):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_tree(tar, src, dest)
    data = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    zipped = io.BytesIO()
    with gzip.GzipFile(fileobj=zipped, mode="wb", mtime=EPOCH) as gz:
        gz.write(data)
    return zipped.getvalue(), diff_id


def main():
    out, tag, config_path, specs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(config_path) as f:
        runtime = json.load(f)
    layers, diff_ids = [], []
    for spec in specs:
        src, dest = spec.split("=", 1)
        data, diff_id = layer(src, dest)
        layers.append(blob(out, data, "application/vnd.oci.image.layer.v1.tar+gzip"))
        diff_ids.append(diff_id)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": runtime,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    config_desc = blob(
        out, json.dumps(config, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json"
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_desc,
        "layers": layers,
    }
    manifest_desc = blob(
        out, json.dumps(manifest, sort_keys=True).encode(), "application/vnd.oci.image.manifest.v1+json"
    )
    manifest_desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    index_path = os.path.join(out, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    index["manifests"] = [
        m for m in index["manifests"]
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag
    ] + [manifest_desc]
    with open(index_path, "w") as f:
        json.dump(index, f, indent=2)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(manifest_desc["digest"])


if __name__ == "__main__":
    main()
