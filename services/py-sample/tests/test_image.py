"""An upload is what its bytes say (lbsample/media/image.py), as the TypeScript replica reads it."""

from __future__ import annotations

import base64
import struct
import zlib

from lbsample.media.image import ImageInfo, sniff_image

GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////"
    "////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)


def png(width: int, height: int, pixels: bool = True) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width * 3 for _ in range(height)) if pixels else b"\x00" * 64
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_knows_each_format_and_its_declared_size():
    assert sniff_image(png(7, 5)) == ImageInfo("png", 7, 5)
    assert sniff_image(GIF) == ImageInfo("gif", 1, 1)
    assert sniff_image(WEBP) == ImageInfo("webp", 1, 1)
    assert sniff_image(JPEG) == ImageInfo("jpeg", 1, 1)


def test_reads_a_bombs_declared_canvas_without_decoding_it():
    assert sniff_image(png(100_000, 90_000, pixels=False)) == ImageInfo("png", 100_000, 90_000)


def test_is_none_of_them_for_text_svg_or_a_truncated_header():
    for data in (b'<svg xmlns="http://www.w3.org/2000/svg"/>', b"<!doctype html>", png(2, 2)[:20], GIF[:8], b""):
        assert sniff_image(data) is None, data[:20]
