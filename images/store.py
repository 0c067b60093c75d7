"""The content-addressed photo store.

Originals live at ``originals/<aa>/<sha256>`` exactly as uploaded and are made
read-only; derived images (upright copy, thumbnails, crops) live under
``derived/<aa>/<sha256>/``. Writes are atomic (temp file + rename), and a
:class:`StoreTransaction` removes the files it created when the database
transaction they belong to fails, so a failed ingest leaves no files behind.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PhotoStore:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def original_relpath(self, sha: str) -> str:
        return f"originals/{sha[:2]}/{sha}"

    def derived_relpath(self, sha: str, name: str) -> str:
        if "/" in name or name.startswith("."):
            raise ValueError(f"bad derived file name {name!r}")
        return f"derived/{sha[:2]}/{sha}/{name}"

    def path(self, relpath: str) -> Path:
        full = (self.root / relpath).resolve()
        if not full.is_relative_to(self.root.resolve()):
            raise ValueError(f"path {relpath!r} escapes the photo store")
        return full

    def original_path(self, sha: str) -> Path:
        return self.path(self.original_relpath(sha))

    def read_original(self, sha: str) -> bytes:
        data = self.original_path(sha).read_bytes()
        if sha256_hex(data) != sha:
            raise RuntimeError(f"stored original {sha} no longer matches its hash")
        return data

    def _write_atomic(self, relpath: str, data: bytes, read_only: bool) -> bool:
        """Write unless the file exists already; returns whether it was created."""
        target = self.path(relpath)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if read_only:
                os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def tiles_dir(self, sha: str) -> Path:
        """Where the zoom tiles of a photo's upright image are cached (rebuilt when missing)."""
        return self.path(f"derived/{sha[:2]}/{sha}/tiles")

    # Uploads waiting for background ingest: kept by hash until their photo is in the store.
    def incoming_relpath(self, sha: str) -> str:
        return f"incoming/{sha}"

    def put_incoming(self, data: bytes) -> str:
        sha = sha256_hex(data)
        self._write_atomic(self.incoming_relpath(sha), data, read_only=True)
        return sha

    def read_incoming(self, sha: str) -> bytes:
        data = self.path(self.incoming_relpath(sha)).read_bytes()
        if sha256_hex(data) != sha:
            raise RuntimeError(f"staged upload {sha} no longer matches its hash")
        return data

    def drop_incoming(self, sha: str) -> None:
        self.path(self.incoming_relpath(sha)).unlink(missing_ok=True)

    def transaction(self) -> "StoreTransaction":
        return StoreTransaction(self)


class StoreTransaction:
    """Tracks files written for one unit of work; ``rollback`` deletes them."""

    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self.created: list[Path] = []

    def put_original(self, data: bytes) -> str:
        sha = sha256_hex(data)
        relpath = self.store.original_relpath(sha)
        if self.store._write_atomic(relpath, data, read_only=True):
            self.created.append(self.store.path(relpath))
        return sha

    def put_derived(self, sha: str, name: str, data: bytes) -> str:
        relpath = self.store.derived_relpath(sha, name)
        if self.store._write_atomic(relpath, data, read_only=False):
            self.created.append(self.store.path(relpath))
        return relpath

    def put_at(self, relpath: str, data: bytes, read_only: bool) -> None:
        """A file at the path a catalog row names (a restore): under originals/ or derived/ only."""
        if not relpath.startswith(("originals/", "derived/")):
            raise ValueError(f"{relpath!r} is not a photo-store path (originals/... or derived/...)")
        if self.store._write_atomic(relpath, data, read_only=read_only):
            self.created.append(self.store.path(relpath))

    def rollback(self) -> None:
        for path in reversed(self.created):
            path.unlink(missing_ok=True)
            for parent in (path.parent, path.parent.parent):
                try:
                    parent.rmdir()  # only succeeds when empty
                except OSError:
                    break
        self.created.clear()
