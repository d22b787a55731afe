"""Small real image files (valid headers) in the images landing layout, plus a few odd ones."""

from __future__ import annotations

import argparse
import os
import random
import struct
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

SOURCES = ("web-upload", "mobile-app", "partner-feed")
TAGS = ("product", "banner", "profile")


def _png(rng: random.Random) -> bytes:
    width, height = rng.randint(1, 8), rng.randint(1, 8)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _gif(rng: random.Random) -> bytes:
    colour = bytes(rng.randrange(256) for _ in range(3))
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + colour + b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def _jpeg(rng: random.Random) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    payload = bytes(rng.randrange(256) for _ in range(rng.randint(64, 512)))
    return b"\xff\xd8" + app0 + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + b"\xff\xd9"


def _webp(rng: random.Random) -> bytes:
    vp8l = b"\x2f\x00\x00\x00\x00" + bytes(rng.randrange(256) for _ in range(8))
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


KINDS = ((".jpg", _jpeg), (".png", _png), (".gif", _gif), (".webp", _webp))


def image_objects(count: int, seed: int, start: datetime) -> list[tuple[str, bytes, datetime]]:
    """(key, bytes, last-modified) for `count` images and four odd objects, deterministic for a seed."""
    rng = random.Random(seed)
    objects = []
    for i in range(count):
        ext, make = KINDS[rng.randrange(len(KINDS))]
        modified = start + timedelta(seconds=i * rng.randint(20, 90))
        name = f"{modified:%Y%m%dT%H%M%S}-{i:05d}{ext}"
        objects.append((f"images/source={rng.choice(SOURCES)}/tag={rng.choice(TAGS)}/{name}", make(rng), modified))
    last = objects[-1][2] if objects else start
    objects += [
        ("images/source=partner-feed/tag=product/zz-readme.txt", b"not an image, just notes\n", last),  # unknown type
        ("images/source=mobile-app/tag=profile/zz-empty.png", b"", last),  # empty object
        ("images/unsorted/loose.png", _png(rng), last),  # outside the layout
        ("images/source=web-upload/tag=banner/zz-renamed.bin", _png(rng), last),  # a PNG under another name
    ]
    return objects


def write_images(landing_dir: Path, count: int, seed: int, start: datetime) -> int:
    for key, body, modified in image_objects(count, seed, start):
        path = Path(landing_dir) / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (modified.timestamp(), modified.timestamp()))
    return count + 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", required=True, type=Path, help="landing directory (images/ is created in it)")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default=None, help="first upload time, YYYY-MM-DDTHH (default: two hours ago)")


def run(args: argparse.Namespace) -> int:
    start = (
        datetime.strptime(args.start, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)
        if args.start
        else (datetime.now(timezone.utc) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    )
    written = write_images(args.landing, args.count, args.seed, start)
    print(f"wrote {written} objects ({args.count} images + 4 odd ones) under {args.landing / 'images'}")
    return 0
