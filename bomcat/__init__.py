"""bomcat: a teardown bill-of-materials catalog with photo evidence."""
__version__ = "0.1.0"
