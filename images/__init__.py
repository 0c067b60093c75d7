"""Photos: ingest, EXIF orientation, hashing, the content-addressed store, chip detection, crops."""
