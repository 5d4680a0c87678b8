#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-imageinfo: the first 4 KB of every image in
tests/data/ and hand-made headers of every format and variant the parser
knows (PNG colour types and tRNS, every JPEG frame type with the segments
that come before it, BMP core/info/V3/V4/V5 headers and their masks, WEBP
VP8/VP8L/VP8X) plus the edge cases its checks are about.

    tests/fuzz/make-imageinfo-corpus.py   # rewrites corpus/fuzz-imageinfo/
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus", "fuzz-imageinfo")
HEAD = 4096

seeds = {}


# ---- PNG -------------------------------------------------------------------

def chunk(kind, data=b""):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def png(width, height, depth, colour, extra=b"", ihdr_len=13):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n"
            + struct.pack(">I", ihdr_len) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
            + extra + chunk(b"IDAT", zlib.compress(b"\0" * 8)) + chunk(b"IEND"))


seeds["png-grey-1bit"] = png(8, 1, 1, 0)
seeds["png-grey-16bit-trns"] = png(3, 2, 16, 0, chunk(b"tRNS", b"\0\0"))
seeds["png-rgb"] = png(640, 480, 8, 2)
seeds["png-rgb-trns"] = png(2, 2, 8, 2, chunk(b"tRNS", b"\0\0\0\0\0\0"))
seeds["png-palette"] = png(16, 16, 4, 3, chunk(b"PLTE", b"\xff\0\0"))
seeds["png-palette-trns"] = png(
    16, 16, 8, 3, chunk(b"PLTE", b"\xff\0\0\0\xff\0") + chunk(b"tRNS", b"\0"))
seeds["png-grey-alpha"] = png(1, 1, 16, 4)
seeds["png-rgba"] = png(4096, 2160, 8, 6)
seeds["png-ancillary-chunks"] = png(
    5, 5, 8, 2, chunk(b"gAMA", b"\0\0\xb1\x8f") + chunk(b"tEXt", b"k\0v")
    + chunk(b"pHYs", b"\0" * 9) + chunk(b"iCCP", b"p\0\0x"))
seeds["png-trns-after-idat"] = png(2, 2, 8, 2)[:-12] + chunk(b"tRNS", b"\0" * 6)
seeds["png-iend-first"] = (b"\x89PNG\r\n\x1a\n" + png(1, 1, 8, 2)[8:33]
                           + chunk(b"IEND"))
seeds["png-zero-width"] = png(0, 1, 8, 2)
seeds["png-huge"] = png(0x7fffffff, 0x7fffffff, 8, 6)
seeds["png-too-huge"] = png(0x80000000, 1, 8, 6)
seeds["png-bad-depth"] = png(1, 1, 3, 2)
seeds["png-bad-colour"] = png(1, 1, 8, 5)
seeds["png-ihdr-length-14"] = png(1, 1, 8, 2, ihdr_len=14)
seeds["png-broken-chunk-type"] = png(1, 1, 8, 2, b"\0\0\0\0" + b"t1NS"
                                     + b"\0\0\0\0")
seeds["png-chunk-length-huge"] = png(1, 1, 8, 2, b"\x7f\xff\xff\xf0zTXt")
seeds["png-signature-only"] = b"\x89PNG\r\n\x1a\n"
seeds["png-cut-in-ihdr"] = png(1, 1, 8, 2)[:20]

# ---- JPEG ------------------------------------------------------------------


def seg(marker, data):
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def sof(marker, width, height, components=3, precision=8):
    data = struct.pack(">BHHB", precision, height, width, components)
    for i in range(components):
        data += bytes([i + 1, 0x11, 0])
    return seg(marker, data)


def exif(orientation):
    # "Exif\0\0", little-endian TIFF header, IFD0 with one Orientation entry
    tiff = (b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1)
            + struct.pack("<HHII", 0x0112, 3, 1, orientation)
            + struct.pack("<I", 0))
    return seg(0xE1, b"Exif\0\0" + tiff)


JFIF = seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
DQT = seg(0xDB, b"\0" + bytes(range(1, 65)))
DHT = seg(0xC4, b"\0" + b"\0" * 16)
SOS = seg(0xDA, b"\x01\x01\0\0\x3f\0") + b"\x12\x34\xff\x00\x56\xff\xd9"
SOI = b"\xff\xd8"

for marker, name in [(0xC0, "baseline"), (0xC1, "extended"),
                     (0xC2, "progressive"), (0xC3, "lossless"),
                     (0xC5, "hierarchical-c5"), (0xC6, "hierarchical-c6"),
                     (0xC7, "hierarchical-c7"), (0xC9, "extended-arith"),
                     (0xCA, "progressive-arith"), (0xCB, "lossless-arith"),
                     (0xCD, "hierarchical-cd"), (0xCE, "hierarchical-ce"),
                     (0xCF, "hierarchical-cf")]:
    seeds["jpeg-sof-%02x-%s" % (marker, name)] = (
        SOI + JFIF + DQT + DHT + sof(marker, 320, 240) + SOS)
seeds["jpeg-grey"] = SOI + sof(0xC0, 1, 1, components=1) + SOS
seeds["jpeg-cmyk"] = SOI + seg(0xEE, b"Adobe\0d\0\0\0\0\x02") + sof(
    0xC2, 65535, 65535, components=4) + SOS
seeds["jpeg-exif-orientation-6"] = SOI + exif(6) + sof(0xC0, 4000, 3000) + SOS
seeds["jpeg-exif-orientation-8"] = SOI + exif(8) + JFIF + sof(0xC2, 16, 9)
seeds["jpeg-dht-dac-jpg-before-sof"] = (
    SOI + DHT + seg(0xCC, b"\0\x10") + seg(0xC8, b"") + sof(0xC1, 7, 5))
seeds["jpeg-two-sofs"] = SOI + sof(0xC0, 100, 50) + sof(0xC2, 200, 150) + SOS
seeds["jpeg-dht-then-two-sofs"] = (SOI + DHT + sof(0xC3, 1, 2)
                                   + sof(0xC0, 3, 4))
seeds["jpeg-fill-bytes"] = SOI + b"\xff\xff\xff" + sof(0xC0, 8, 8)
seeds["jpeg-stray-bytes"] = SOI + JFIF + b"\x00\x12garbage" + sof(0xC0, 8, 8)
seeds["jpeg-rst-tem-stuffing"] = (SOI + b"\xff\xd0\xff\xd7\xff\x01\xff\x00"
                                  + sof(0xC0, 8, 8))
seeds["jpeg-sos-before-sof"] = SOI + SOS + sof(0xC0, 8, 8)
seeds["jpeg-eoi-before-sof"] = SOI + b"\xff\xd9"
seeds["jpeg-second-soi"] = SOI + b"\xff\xd8" + sof(0xC0, 8, 8)
seeds["jpeg-zero-height-dnl"] = SOI + sof(0xC0, 64, 0) + seg(0xDC, b"\0\x40")
seeds["jpeg-zero-components"] = SOI + sof(0xC0, 64, 64, components=0)
seeds["jpeg-short-sof"] = SOI + seg(0xC0, b"\x08\0\x01")
seeds["jpeg-segment-length-1"] = SOI + b"\xff\xe0\x00\x01" + sof(0xC0, 1, 1)
seeds["jpeg-segment-past-end"] = SOI + b"\xff\xe1\xff\xf0Exif\0\0"
seeds["jpeg-soi-only"] = b"\xff\xd8\xff"
seeds["jpeg-comment-and-app-markers"] = (
    SOI + seg(0xFE, b"made by hand") + seg(0xE2, b"ICC_PROFILE\0\x01\x01")
    + seg(0xED, b"Photoshop 3.0\0") + seg(0xDD, b"\0\x10")
    + sof(0xC0, 1920, 1080))

# ---- BMP -------------------------------------------------------------------


def bmp(header, pixels_offset=None):
    offset = pixels_offset if pixels_offset is not None else 14 + len(header)
    return b"BM" + struct.pack("<IHHI", offset + 4, 0, 0, offset) + header


def info_header(width, height, bpp=24, compression=0, size=40, planes=1,
                masks=b""):
    h = struct.pack("<IiiHHIIiiII", size, width, height, planes, bpp,
                    compression, 0, 2835, 2835, 0, 0)
    h += masks
    return h + b"\0" * max(0, size - len(h))


seeds["bmp-core"] = bmp(struct.pack("<IHHHH", 12, 640, 480, 1, 24))
seeds["bmp-core-max"] = bmp(struct.pack("<IHHHH", 12, 65535, 65535, 1, 8))
seeds["bmp-core-zero"] = bmp(struct.pack("<IHHHH", 12, 0, 1, 1, 24))
seeds["bmp-info-24"] = bmp(info_header(2, 2))
seeds["bmp-info-top-down"] = bmp(info_header(3, -7, bpp=32))
seeds["bmp-info-int-min-height"] = bmp(info_header(1, -0x80000000))
seeds["bmp-info-negative-width"] = bmp(info_header(-5, 5))
seeds["bmp-info-1bit"] = bmp(info_header(9, 9, bpp=1) + b"\0\0\0\0\xff\xff\xff\0")
seeds["bmp-info-bitfields-16"] = bmp(
    info_header(4, 4, bpp=16, compression=3)
    + struct.pack("<III", 0xF800, 0x07E0, 0x001F))
seeds["bmp-info-alphabitfields-32"] = bmp(
    info_header(4, 4, bpp=32, compression=6)
    + struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000))
seeds["bmp-info-alphabitfields-no-alpha"] = bmp(
    info_header(4, 4, bpp=32, compression=6)
    + struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0))
seeds["bmp-info-alphabitfields-cut"] = bmp(
    info_header(4, 4, bpp=32, compression=6) + b"\0" * 6)
seeds["bmp-v3-alpha"] = bmp(info_header(
    8, 8, bpp=32, compression=3, size=56,
    masks=struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000)))
seeds["bmp-v4-no-alpha"] = bmp(info_header(
    8, 8, bpp=16, compression=3, size=108,
    masks=struct.pack("<IIII", 0x7C00, 0x03E0, 0x001F, 0) + b"BGRs"))
seeds["bmp-v5-alpha"] = bmp(info_header(
    1920, -1080, bpp=32, compression=3, size=124,
    masks=struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000)
    + b"BGRs"))
seeds["bmp-os2-v2-64"] = bmp(info_header(10, 10, bpp=8, size=64))
seeds["bmp-jpeg-inside"] = bmp(info_header(10, 10, bpp=0, compression=4))
seeds["bmp-png-inside"] = bmp(info_header(10, 10, bpp=0, compression=5))
seeds["bmp-rle8"] = bmp(info_header(10, 10, bpp=8, compression=1))
seeds["bmp-planes-2"] = bmp(info_header(1, 1, planes=2))
seeds["bmp-bpp-7"] = bmp(info_header(1, 1, bpp=7))
seeds["bmp-header-1024"] = bmp(info_header(1, 1, size=1024))
seeds["bmp-header-1025"] = bmp(info_header(1, 1, size=1025))
seeds["bmp-header-39"] = bmp(info_header(1, 1, size=39))
seeds["bmp-magic-only"] = b"BM"

# ---- WEBP ------------------------------------------------------------------


def riff(chunks):
    body = b"WEBP" + chunks
    return b"RIFF" + struct.pack("<I", len(body)) + body


def rchunk(kind, data):
    pad = b"\0" if len(data) % 2 else b""
    return kind + struct.pack("<I", len(data)) + data + pad


def vp8(width, height, key=True, scale=0):
    tag = struct.pack("<I", (0 if key else 1) | (1 << 4) | (100 << 5))[:3]
    return rchunk(b"VP8 ", tag + b"\x9d\x01\x2a"
                  + struct.pack("<HH", width | (scale << 14),
                                height | (scale << 14)) + b"\0" * 8)


def vp8l(width, height, alpha=False, version=0):
    bits = ((width - 1) | ((height - 1) << 14) | (int(alpha) << 28)
            | (version << 29))
    return rchunk(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 4)


def vp8x(width, height, flags=0):
    return rchunk(b"VP8X", bytes([flags, 0, 0, 0])
                  + struct.pack("<I", width - 1)[:3]
                  + struct.pack("<I", height - 1)[:3])


seeds["webp-vp8"] = riff(vp8(320, 240))
seeds["webp-vp8-scaled"] = riff(vp8(16383, 16383, scale=3))
seeds["webp-vp8-zero"] = riff(vp8(0, 10))
seeds["webp-vp8-interframe"] = riff(vp8(10, 10, key=False))
seeds["webp-vp8-bad-start-code"] = riff(
    rchunk(b"VP8 ", b"\x10\x02\0\x9d\x01\x2b" + b"\0" * 8))
seeds["webp-vp8-chunk-9-bytes"] = riff(b"VP8 \x09\0\0\0" + b"\0" * 10)
seeds["webp-vp8l"] = riff(vp8l(128, 64))
seeds["webp-vp8l-alpha-max"] = riff(vp8l(16384, 16384, alpha=True))
seeds["webp-vp8l-version-1"] = riff(vp8l(1, 1, version=1))
seeds["webp-vp8l-bad-signature"] = riff(rchunk(b"VP8L", b"\x2e" + b"\0" * 8))
seeds["webp-vp8l-chunk-4-bytes"] = riff(b"VP8L\x04\0\0\0\x2f\0\0\0\0")
seeds["webp-vp8x-alpha"] = riff(vp8x(1000, 800, flags=0x10)
                                + rchunk(b"ALPH", b"\0" * 4) + vp8(1000, 800))
seeds["webp-vp8x-animated"] = riff(vp8x(64, 64, flags=0x02)
                                   + rchunk(b"ANIM", b"\0" * 6))
seeds["webp-vp8x-icc-exif-xmp"] = riff(vp8x(2, 3, flags=0x2C)
                                       + rchunk(b"ICCP", b"\0" * 4))
seeds["webp-vp8x-max"] = riff(vp8x(1 << 24, 1 << 24, flags=0xFF))
seeds["webp-vp8x-chunk-9-bytes"] = riff(b"VP8X\x09\0\0\0" + b"\0" * 10)
seeds["webp-alph-first"] = riff(rchunk(b"ALPH", b"\0" * 4))
seeds["webp-header-only"] = b"RIFF\x04\0\0\0WEBP"
seeds["webp-cut-in-vp8"] = riff(vp8(320, 240))[:24]

# ---- not images (or not supported) -----------------------------------------

seeds["gif89a"] = (b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04"
                   b"\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;")
seeds["riff-wave"] = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0"
seeds["tiff"] = b"II*\0\x08\0\0\0\0\0"
seeds["empty"] = b""


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    data_dirs = [os.path.join(ROOT, "tests", "data"),
                 os.path.join(ROOT, "tests", "unit", "data")]
    for d in data_dirs:
        for name in sorted(os.listdir(d)):
            if name.lower().endswith((".png", ".jpg", ".jpeg", ".bmp",
                                      ".webp", ".gif")):
                with open(os.path.join(d, name), "rb") as f:
                    seeds["data-" + name] = f.read(HEAD)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
