"""Background ingest: photos handed in through the web app are staged, then
processed by a work queue while the page shows each one's status.

Two queues, one contract (`enqueue(upload_id)`):

* embedded (default): a worker process beside the web process
  (:class:`concurrent.futures.ProcessPoolExecutor`, spawned, at a lower CPU priority), so one
  machine needs nothing else and pages stay fast while photos are ingested. Uploads it had not
  finished when the server stopped are queued again at the next start.
* RQ on Redis (``BOMCAT_QUEUE_URL=redis://host:6379/0``) when one process is not enough:
  any number of ``bomcat worker`` processes, on any machine that reaches the database and
  the photo store, take jobs from it.

The upload's bytes wait in the store's incoming area by SHA-256; the upload row records
queued -> detecting -> reading -> done, or failed with the reason (the bytes are then kept
so the upload can be retried).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from bomcat.catalog.db import Catalog
from bomcat.pipeline import open_catalog
from bomcat.errors import CatalogError
from bomcat.catalog.models import Upload, UploadStatus, utcnow
from bomcat.images import photo as photo_io

log = logging.getLogger(__name__)
QUEUE_NAME = "bomcat-ingest"
ACTIVE = (UploadStatus.queued, UploadStatus.detecting, UploadStatus.reading)
# Which pipeline steps belong to which status the investigator sees.
STEP_STATUS = {"store_original": UploadStatus.detecting, "make_upright": UploadStatus.detecting,
               "detect_regions": UploadStatus.detecting, "cut_crops": UploadStatus.reading,
               "read_regions": UploadStatus.reading, "propose_components": UploadStatus.reading}


class UploadRefused(CatalogError, ValueError):
    """The file cannot become evidence (not an image, too large, unknown device): says why."""


def stage_upload(catalog: Catalog, device_slug: str, data: bytes, filename: str, uploaded_by: str,
                 queue_name: str, board: Optional[str] = None, side: Optional[str] = None) -> Upload:
    """Check the file is a photo we accept, keep its bytes, and record it as queued."""
    display = Path(filename or "photo").name[:255] or "photo"
    try:
        photo_io.open_image(data, display)
    except photo_io.BadPhoto as exc:
        raise UploadRefused.because(exc) from None
    from bomcat.pipeline.ingest import IngestError, evidence_of, find_device
    from bomcat.images.store import sha256_hex
    with catalog.session() as session:
        try:
            device = find_device(session, device_slug)
            evidence_of(session, device, sha256_hex(data), display)  # refused now, not after the queue
        except IngestError as exc:
            raise UploadRefused.because(exc) from None
        sha = catalog.store.put_incoming(data)
        upload = Upload(device=device, filename=display, sha256=sha, byte_size=len(data), board=board,
                        side=side, status=UploadStatus.queued, queue=queue_name, uploaded_by=uploaded_by)
        session.add(upload)
        session.flush()
        return upload


def set_status(catalog: Catalog, upload_id: int, status: UploadStatus, detail: Optional[str] = None,
               **fields) -> None:
    with catalog.session() as session:
        upload = session.get(Upload, upload_id)
        upload.status = status
        upload.detail = detail
        upload.updated_at = utcnow()
        for key, value in fields.items():
            setattr(upload, key, value)


def process_upload(catalog: Catalog, upload_id: int) -> UploadStatus:
    """Ingest one staged upload, reporting each stage on its row; never raises for a bad photo."""
    from bomcat.pipeline.ingest import IngestError, ingest_photo
    with catalog.session() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.status is UploadStatus.done:
            return upload.status if upload else UploadStatus.failed
        slug, sha, name, by = upload.device.slug, upload.sha256, upload.filename, upload.uploaded_by
        board, side = upload.board, upload.side
    shown = {"status": None}

    def report(step: str, ctx) -> None:
        status = STEP_STATUS.get(step, UploadStatus.reading)
        detail = f"{len(ctx.regions)} chips found" if step in ("cut_crops", "read_regions", "propose_components") \
            else None
        if (status, detail) != shown["status"]:
            shown["status"] = (status, detail)
            set_status(catalog, upload_id, status, detail)

    try:
        data = _staged_bytes(catalog, sha)
    except FileNotFoundError:
        set_status(catalog, upload_id, UploadStatus.failed,
                   f"{name}: its bytes are no longer in the photo store (incoming/{sha[:12]}…); upload it again")
        return UploadStatus.failed
    try:
        result = ingest_photo(catalog, slug, data, name, uploaded_by=by, board=board, side=side, on_step=report)
    except IngestError as exc:
        set_status(catalog, upload_id, UploadStatus.failed, str(exc))
        return UploadStatus.failed
    except Exception as exc:  # a bug or a lost file: say so on the upload, keep the bytes
        log.error("upload %s failed:\n%s", upload_id, traceback.format_exc())
        set_status(catalog, upload_id, UploadStatus.failed, f"{name}: internal error: {exc}")
        return UploadStatus.failed
    what = "already in the catalog" if not result.created else \
        f"{result.regions} chips found, {result.components} components proposed"
    set_status(catalog, upload_id, UploadStatus.done, what, photo_id=result.photo_id)
    with catalog.session() as session:  # the original is in the store now; the staged copy can go
        waiting = session.scalar(select(Upload.id).where(Upload.sha256 == sha, Upload.status.in_(ACTIVE)).limit(1))
    if waiting is None:
        catalog.store.drop_incoming(sha)
    return UploadStatus.done


def _staged_bytes(catalog: Catalog, sha: str) -> bytes:
    """The upload's bytes: staged, or (the same bytes uploaded twice, the other upload's photo stored and
    its staged copy dropped in between) the original they became."""
    try:
        return catalog.store.read_incoming(sha)
    except FileNotFoundError:
        return catalog.store.read_original(sha)


class EmbeddedQueue:
    """A worker process of this machine: the default, nothing to install or run. It opens the same
    catalog (database and photo store) and runs at a lower CPU priority than the web server."""
    name = "embedded"

    def __init__(self, catalog: Catalog, workers: int = 1) -> None:
        self.catalog = catalog
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        url = self.catalog.engine.url.render_as_string(hide_password=False)
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=start_worker, initargs=(url, str(self.catalog.store.root), os.getpid()))

    def enqueue(self, upload_id: int) -> Optional[str]:
        try:
            self.executor.submit(run_embedded_job, upload_id)
        except BrokenProcessPool:   # the worker died (killed, out of memory): a new one takes this and what follows
            log.error("the ingest worker process stopped; starting a new one")
            self.executor = self._start()
            self.executor.submit(run_embedded_job, upload_id)
        return None

    def resume_interrupted(self) -> int:
        """Queue again what this kind of queue had not finished when its process stopped."""
        with self.catalog.session() as session:
            ids = list(session.scalars(select(Upload.id).where(Upload.queue == self.name,
                                                               Upload.status.in_(ACTIVE)).order_by(Upload.id)))
        for upload_id in ids:
            self.enqueue(upload_id)
        return len(ids)


WORKER_NICENESS = 10   # below the web server: reads first, ingest with what is left
_worker_catalog: Optional[Catalog] = None   # the catalog of a worker process (embedded or RQ)


def start_worker(url: str, photo_root: str, parent: int) -> None:
    """In the embedded worker process: lower priority, and the web process's catalog opened again."""
    global _worker_catalog
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    threading.Thread(target=exit_with_parent, args=(parent,), daemon=True, name="bomcat-parent-watch").start()
    _worker_catalog = open_catalog(url, photo_root=photo_root, migrate=False)


def exit_with_parent(parent: int, every: float = 1.0) -> None:
    """A server killed outright (SIGKILL, or SIGTERM, which waitress does not catch) cannot tell its
    worker to stop, and the worker's end of the job queue never closes: the worker leaves when its
    parent is gone. A job cut off this way is taken again at the next start (`resume_interrupted`)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def run_embedded_job(upload_id: int) -> str:
    return process_upload(_worker_catalog, upload_id).value


class RQQueue:
    """RQ on Redis: jobs survive restarts and any number of `bomcat worker` processes take them."""
    name = "rq"

    def __init__(self, url: str, queue: str = QUEUE_NAME) -> None:
        from redis import Redis
        from rq import Queue
        self.queue = Queue(queue, connection=Redis.from_url(url))

    def enqueue(self, upload_id: int) -> Optional[str]:
        job = self.queue.enqueue(run_upload_job, upload_id, job_timeout=3600, result_ttl=7 * 86400,
                                 description=f"ingest upload {upload_id}")
        return job.id

    def resume_interrupted(self) -> int:
        return 0  # Redis keeps the queue; a worker that died mid-job leaves it to RQ's failed-job registry


def make_queue(catalog: Catalog, url: Optional[str] = None):
    url = url if url is not None else os.environ.get("BOMCAT_QUEUE_URL", "")
    if url:
        return RQQueue(url)
    return EmbeddedQueue(catalog, workers=int(os.environ.get("BOMCAT_WORKERS", "1")))


def submit(catalog: Catalog, queue, upload_id: int) -> None:
    job_id = queue.enqueue(upload_id)
    if job_id:
        with catalog.session() as session:
            session.get(Upload, upload_id).job_id = job_id


def run_upload_job(upload_id: int) -> str:
    """The RQ job: the worker's catalog comes from its environment (BOMCAT_DATABASE_URL, BOMCAT_HOME)."""
    global _worker_catalog
    if _worker_catalog is None:
        _worker_catalog = open_catalog()
    return process_upload(_worker_catalog, upload_id).value
