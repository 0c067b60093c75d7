"""The marking resolver: chip marking (as printed or as misread) to part, manufacturer and lineage."""
from .resolve import Resolver, default_resolver, resolve
from .result import Resolution

__all__ = ["Resolution", "Resolver", "default_resolver", "resolve"]
