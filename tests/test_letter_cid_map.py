"""A letter font's CIDToGIDMap (channels/letter/embedding.py) inflates to the 128 KiB map fpdf2 writes: two bytes a
code, the glyph of each code in use, zeros everywhere else."""

from __future__ import annotations

import zlib

import pytest

from channels.letter.embedding import _adler32_zeros, _cid_to_gid_map


def _reference(gid_by_code: dict[int, int]) -> bytes:
    cid_to_gid = bytearray(2 * 0x10000)
    for code, gid in gid_by_code.items():
        cid_to_gid[2 * code : 2 * code + 2] = gid.to_bytes(2, "big")
    return bytes(cid_to_gid)


@pytest.mark.parametrize(
    "gid_by_code",
    [
        {},
        {0: 0},
        {32: 3, 33: 4, 233: 120},
        {code: code * 7 % 65_000 + 1 for code in range(0, 700, 3)},
        {2047: 9, 2048: 10, 2049: 11},  # around a cached tail's boundary
        {65_535: 65_000, 1: 1},  # the last code: no tail of zeros at all
    ],
)
def test_the_map_inflates_to_fpdf2_s(gid_by_code: dict[int, int]) -> None:
    assert zlib.decompress(_cid_to_gid_map(gid_by_code)) == _reference(gid_by_code)


@pytest.mark.parametrize("prefix", [b"", b"\x00", b"chaine", bytes(range(256)) * 40])
@pytest.mark.parametrize("length", [0, 1, 4_096, 65_521, 131_072])
def test_adler32_of_zeros(prefix: bytes, length: int) -> None:
    assert _adler32_zeros(zlib.adler32(prefix), length) == zlib.adler32(prefix + bytes(length))
