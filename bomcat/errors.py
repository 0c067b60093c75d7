"""Refusals that carry their own HTTP status and exit code (the way Datasette's errors carry
`status` and OCRmyPDF's carry `exit_code`): the web app's one error handler (`web/views.py`) and the
command line (`bomcat/cli/common.py`) map them by type and by these attributes, never by reading the
message. A kind of refusal is a subclass; where one kind can mean several statuses (an ingest
refused because the device is unknown, or because the photo is too large), the raising site says
which, or `because()` takes the status of the refusal it wraps."""
from __future__ import annotations

from typing import Optional

EXIT_CODES = {400: 2, 401: 2, 403: 2, 404: 4, 409: 5, 413: 6, 415: 7, 500: 3, 503: 3}


class CatalogError(Exception):
    """Something bomcat refuses, with a message that says what is wrong."""
    status: int = 400

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 2)

    @classmethod
    def because(cls, cause: BaseException, message: Optional[str] = None) -> "CatalogError":
        """This kind of refusal, for a refusal (or failure) it wraps: its status when it has one."""
        return cls(message or str(cause), status=getattr(cause, "status", None))


class NotFound(CatalogError):
    status = 404


class Conflict(CatalogError):
    status = 409


class ConfigurationError(CatalogError):
    """bomcat is not configured safely enough to run (e.g. no usable session key): exit code 3."""
    status = 500
