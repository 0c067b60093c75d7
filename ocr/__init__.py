"""Reading chip markings: preprocessing stages, OCR engines, resolver-guided reading."""
