"""What an uploaded file is, decided by its bytes (services/app/src/media/image.ts, its twin):
one of four image formats, and the dimensions its header declares, read without decoding."""

from __future__ import annotations

import struct
from dataclasses import dataclass

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp"}

# Start-of-frame markers: SOF0-3, 5-7, 9-11, 13-15 (0xC4 is DHT, 0xC8 JPG, 0xCC DAC).
SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageInfo:
    type: str
    width: int
    height: int


def sniff_image(data: bytes) -> ImageInfo | None:
    """The image's type and declared size; None when the bytes are none of the four formats."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        # The first chunk is IHDR: width and height, big-endian, right after its type.
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height)
    if data.startswith((b"GIF87a", b"GIF89a")):
        if len(data) < 10:
            return None
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    return None


def _webp(data: bytes) -> ImageInfo | None:
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 ":
        # A lossy key frame: its start code, then 14-bit width and height.
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            return None
        (bits,) = struct.unpack("<I", data[21:25])
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        return ImageInfo("webp", int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
    return None


def _jpeg(data: bytes) -> ImageInfo | None:
    at = 2
    # Walk the marker segments up to the frame header, which holds the size.
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        if marker in SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageInfo("jpeg", width, height)
        if marker in (0xD9, 0xDA):  # end, or scan data before any frame
            return None
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return None
