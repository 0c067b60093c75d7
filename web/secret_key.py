"""The session-signing key. Without one that only this catalog knows, anyone can forge a session
cookie (e.g. an admin's). `BOMCAT_SECRET_KEY` wins when set (it must be long and random); otherwise
a random key is created on first start and kept in the catalog's home as `secret_key`, readable by
its owner only (mode 0600), so that sessions survive restarts. A key file others may read, or one
that is too short, is refused: the server does not start."""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from bomcat.errors import ConfigurationError

MIN_LENGTH = 32
KEY_FILE = "secret_key"
HOW_TO_MAKE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def _checked(key: str, where: str) -> str:
    if len(key) < MIN_LENGTH:
        raise ConfigurationError(f"the session key in {where} is too short ({len(key)} characters, at least "
                                 f"{MIN_LENGTH}); make one with: {HOW_TO_MAKE}")
    return key


def _read_key_file(path: Path) -> str:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ConfigurationError(f"{path} is not a regular file; remove it and start again to create a new key")
    if info.st_mode & 0o077:
        raise ConfigurationError(f"{path} may be read by other users (mode {stat.S_IMODE(info.st_mode):o}); "
                                 f"anyone who reads it can sign in as anyone: chmod 600 {path}, or remove "
                                 "it to create a new key (everyone will be signed out)")
    return _checked(path.read_text(encoding="ascii", errors="replace").strip(), str(path))


def _create_key_file(path: Path) -> None:
    """Write a new random key, readable by its owner only, atomically: two servers starting at once
    agree on one key (the second link fails and that server reads the first one's file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def session_secret_key(home: Path) -> str:
    """The key that signs session cookies: `BOMCAT_SECRET_KEY`, or the one kept in `home`."""
    configured = os.environ.get("BOMCAT_SECRET_KEY")
    if configured is not None:
        return _checked(configured.strip(), "BOMCAT_SECRET_KEY")
    path = home / KEY_FILE
    try:
        if not path.exists():
            _create_key_file(path)
        return _read_key_file(path)
    except OSError as exc:
        raise ConfigurationError(f"no BOMCAT_SECRET_KEY is set and the key file {path} cannot be kept "
                                 f"({exc.strerror or exc}); set BOMCAT_SECRET_KEY (make one with: {HOW_TO_MAKE})") from exc
