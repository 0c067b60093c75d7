"""The hostile corpus `bomcat bench hostile` throws at the server, made here from nothing: valid
photos in every accepted shape (CMYK, 16-bit, EXIF-rotated, multi-frame, mislabelled), files that
must be refused (bombs, truncated, empty, random, active content, polyglots, strips), hostile file
names, and hostile values for the API's text fields and the pages' query strings.

Each item says what a careful server does with it (`expect`): 'accept' or 'refuse'. Values that
cannot be sent as given (NUL in a multipart file name) are sent the way a client would send them."""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from PIL import Image

ACCEPT, REFUSE = "accept", "refuse"


@dataclass
class HostileFile:
    name: str          # a short label for the report
    filename: str      # the file name the client sends
    data: bytes
    expect: str        # ACCEPT or REFUSE
    what: str


@dataclass
class HostileRequest:
    name: str
    method: str
    path: str
    body: Optional[Any]    # JSON body, or None
    what: str


def board_like(width: int = 640, height: int = 480, seed: int = 1) -> Image.Image:
    """A small photo-like picture (bare green board, shading, noise): decodes as a real photo does, and
    holds no package, so what is measured is the handling of the file, not detection and OCR."""
    rng = np.random.default_rng(seed)
    shade = np.linspace(0.8, 1.1, width)[None, :, None]
    image = np.zeros((height, width, 3)) + np.array([40, 110, 50]) * shade
    noise = rng.normal(0, 6, image.shape)
    return Image.fromarray(np.clip(image + noise, 0, 255).astype(np.uint8))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(side: int = 30_000) -> bytes:
    """A real 1-bit PNG of side x side black pixels (900 MP): a few hundred KB that decode to a huge image."""
    row = b"\x00" + bytes((side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def exif_rotated(image: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6   # Orientation: rotate 90 degrees clockwise to view
    return encoded(image, "JPEG", quality=90, exif=exif.tobytes())


def sixteen_bit_png(image: Image.Image) -> bytes:
    import cv2
    deep = (np.asarray(image)[:, :, ::-1].astype(np.uint16) * 257)
    ok, buf = cv2.imencode(".png", deep)
    assert ok
    return buf.tobytes()


def multi_frame_tiff(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="TIFF", save_all=True, append_images=[image.rotate(90, expand=True)])
    return buf.getvalue()


def make_files() -> list[HostileFile]:
    """One picture in many files: the bytes differ (format, quality, what follows), never the content."""
    photo = board_like()
    jpeg = encoded(photo, "JPEG", quality=90)
    png = encoded(photo, "PNG")
    script = b"<html><body><script>alert(document.cookie)</script></body></html>"
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="900" height="600">'
           b'<script>alert(1)</script><rect width="900" height="600"/></svg>')
    files = [
        HostileFile("jpeg", "board.jpg", jpeg, ACCEPT, "a plain JPEG"),
        HostileFile("png", "board.png", png, ACCEPT, "a plain PNG"),
        HostileFile("webp", "board.webp", encoded(photo, "WEBP", quality=85), ACCEPT, "WebP"),
        HostileFile("tiff", "board.tif", encoded(photo, "TIFF"), ACCEPT, "TIFF"),
        HostileFile("cmyk", "cmyk.jpg", encoded(photo.convert("CMYK"), "JPEG"), ACCEPT, "CMYK JPEG"),
        HostileFile("16-bit", "deep.png", sixteen_bit_png(photo), ACCEPT, "16 bits per channel PNG"),
        HostileFile("exif-rotated", "rotated.jpg", exif_rotated(photo), ACCEPT,
                    "JPEG with EXIF orientation 6"),
        HostileFile("multi-frame", "pages.tif", multi_frame_tiff(photo), ACCEPT,
                    "two-page TIFF: the first page is the photo"),
        HostileFile("grey-alpha", "la.png", encoded(photo.convert("LA"), "PNG"), ACCEPT,
                    "grey with alpha"),
        HostileFile("mislabelled", "really-a-png.jpg", encoded(photo, "PNG", compress_level=1), ACCEPT,
                    "a PNG named .jpg: the format is read from the content"),
        HostileFile("jpeg+html", "appended.jpg", encoded(photo, "JPEG", quality=89) + script, ACCEPT,
                    "a valid JPEG with HTML after its end: kept byte for byte, served as image/jpeg"),
        HostileFile("png+zip", "polyglot.png", encoded(photo, "PNG") + b"PK\x03\x04" + bytes(60),
                    ACCEPT, "a PNG with a ZIP header appended"),
        HostileFile("path-name", "../../../etc/passwd", encoded(photo, "JPEG", quality=88), ACCEPT,
                    "a path as file name: metadata only"),
        HostileFile("html-name", '<img src=x onerror=alert(1)>.jpg', encoded(photo, "JPEG", quality=87),
                    ACCEPT, "markup as file name: shown as text"),
        HostileFile("long-name", "n" * 400 + ".jpg", encoded(photo, "JPEG", quality=86), ACCEPT,
                    "a 404-character file name"),
        HostileFile("rtl-name", "photo\u202egpj.exe", encoded(photo, "JPEG", quality=85), ACCEPT,
                    "a right-to-left override in the name"),
        HostileFile("bomb", "bomb.png", png_bomb(), REFUSE, "900 MP PNG of a few hundred KB"),
        HostileFile("strip", "strip.png", encoded(Image.new("RGB", (20_000, 40), (40, 110, 50)), "PNG"),
                    REFUSE, "20000 x 40 pixels"),
        HostileFile("truncated", "cut.jpg", jpeg[: len(jpeg) // 2], REFUSE, "a JPEG cut in half"),
        HostileFile("empty", "empty.jpg", b"", REFUSE, "zero bytes"),
        HostileFile("random", "noise.jpg", np.random.default_rng(0).bytes(50_000), REFUSE, "random bytes"),
        HostileFile("html", "page.png", script, REFUSE, "HTML named .png"),
        HostileFile("svg", "vector.png", svg, REFUSE, "SVG with a script named .png"),
        HostileFile("gif", "anim.gif", encoded(photo.convert("P"), "GIF"), REFUSE,
                    "GIF: not a format bomcat takes"),
        HostileFile("gifar", "gifar.jpg", b"GIF89a" + script, REFUSE, "a GIF header followed by a script"),
        HostileFile("pdf", "scan.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", REFUSE, "a PDF"),
        HostileFile("png-header-only", "header.png", png[:33], REFUSE, "a PNG signature and header, no data"),
    ]
    return files


def hostile_strings() -> list[tuple[str, Any]]:
    return [("nul", "a\x00b"), ("long", "x" * 100_000), ("list", ["x"]), ("object", {"x": 1}), ("number", 7),
            ("boolean", True), ("null", None), ("whitespace", " \t\n "), ("markup", "<script>alert(1)</script>"),
            ("formula", "=HYPERLINK(\"http://evil.example\")"), ("rtl", "\u202eevil"), ("emoji", "\U0001F4A9" * 50),
            ("lone-surrogate", "\ud800")]


def make_requests(slug: str) -> list[HostileRequest]:
    out = []
    for label, value in hostile_strings():
        for field in ("maker", "model"):
            body = {"slug": f"hostile-{label}-{field}", "maker": "Maker", "model": "Model", field: value}
            out.append(HostileRequest(f"device.{field}={label}", "POST", "/api/devices", body,
                                      f"create a device with {field} {label}"))
        out.append(HostileRequest(f"device.slug={label}", "POST", "/api/devices",
                                  {"slug": value, "maker": "Maker", "model": "Model"}, f"a {label} slug"))
        out.append(HostileRequest(f"patch.notes={label}", "PATCH", f"/api/devices/{slug}", {"notes": value},
                                  f"device notes {label}"))
        if isinstance(value, str):
            from urllib.parse import quote
            raw = value[:2000].encode("utf-8", "surrogatepass")   # a lone surrogate as the bytes a client sends
            out.append(HostileRequest(f"search={label}", "GET", "/search?q=" + quote(raw), None,
                                      f"search for {label}"))
            out.append(HostileRequest(f"page={label}", "GET", "/devices/" + quote(raw, safe=""), None,
                                      f"a device page named {label}"))
    out.append(HostileRequest("device.body=list", "POST", "/api/devices", ["not", "an", "object"], "a JSON list"))
    return out
