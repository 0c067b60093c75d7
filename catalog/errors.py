"""Refusals that carry their own HTTP status and exit code (the way Datasette's errors carry
`status` and OCRmyPDF's carry `exit_code`): the web app's one error handler and the command line
map them by type, never by reading the message."""
from __future__ import annotations


class CatalogError(Exception):
    """Something bomcat refuses, with a message that says what is wrong."""
    status: int = 400
    exit_code: int = 2


class ConfigurationError(CatalogError):
    """bomcat is not configured safely enough to run (e.g. no usable session key)."""
    status = 500
    exit_code = 3
