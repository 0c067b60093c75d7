"""The marking resolver: chip marking (as printed or as misread) to part, manufacturer and lineage."""
from .resolve import Resolver, default_resolver, resolve

__all__ = ["Resolver", "default_resolver", "resolve"]
