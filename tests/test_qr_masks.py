"""The letters' QR code modules (channels/letter/qr_masks.py) are segno's, module for module: same version, same
error level, same data mask chosen by the same scores, same format and version information."""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.letter.qr_masks import qr_modules


def _answer_link(i: int) -> str:
    # The shape of a letter's link: the public site, /r/, 22 characters of URL-safe base64 (campaigns/links/tokens.py).
    token = base64.urlsafe_b64encode(hashlib.sha256(str(i).encode()).digest()[:16]).decode().rstrip("=")
    return f"https://chaine.example.fr/r/{token}"


def _same_as_segno(content: str, error: str) -> None:
    expected = segno.make_qr(content, error=error)
    assert np.array_equal(qr_modules(content, error=error), np.array(expected.matrix, dtype=np.uint8))


def test_answer_links_get_segno_s_code_whatever_the_mask_it_chose() -> None:
    masks = set()
    for i in range(200):
        link = _answer_link(i)
        _same_as_segno(link, "m")
        masks.add(segno.make_qr(link, error="m").mask)
    assert masks == set(range(8))  # every mask was the best one for some link, so each was compared


@pytest.mark.parametrize("error", ["l", "m", "q", "h"])
@pytest.mark.parametrize("length", [1, 10, 60, 150, 300, 700])
def test_every_error_level_and_size_with_or_without_version_information(error: str, length: int) -> None:
    # From 7 on (about 150 characters here) a code also carries its version information.
    content = "".join(_answer_link(i) for i in range(length // 40 + 1))[:length]
    _same_as_segno(content, error)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=250), st.sampled_from("lmqh"))
def test_any_text(content: str, error: str) -> None:
    _same_as_segno(content, error)
