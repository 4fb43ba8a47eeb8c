"""The answer link's QR code modules: segno's own encoding, its choice of data mask scored with numpy.

segno picks the data mask (ISO/IEC 18004:2015, 7.8) by applying each of the eight patterns and scoring them module
by module in Python: 4 ms of the 5 a letter's QR code cost. Here segno encodes the link once, with mask 0; the eight
candidates are derived from it and scored at once with numpy, by segno's own rules (`segno.encoder.mask_scores`: N1
to N4, its way of skipping overlapping 1:1:3:1:1 patterns included, its first lowest score winning). The result is
the very matrix `segno.make_qr(url, error=...)` builds, module for module (tests/test_answer_letters.py compares them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import segno
from segno import encoder

_Modules = npt.NDArray[np.uint8]
_Mask = npt.NDArray[np.bool_]
# A finder pattern's row or column (dark, light, dark, dark, dark, light, dark): 40 points each (N3).
_N3_PATTERN = np.array((1, 0, 1, 1, 1, 0, 1), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class _Layout:
    """What a QR code of one width has in common, whatever it encodes."""

    data: _Mask  # the modules a data mask flips (not a function pattern, nor format or version information)
    reserved: _Mask  # format and version information: light while masks are scored, written after
    flips: npt.NDArray[np.uint8]  # (8, w, w): the modules that differ between mask 0 and each mask, data only


@functools.cache
def _layout(width: int) -> _Layout:
    # Built by segno's own functions, as its encoder builds them (encoder._encode, find_and_apply_best_mask).
    function = encoder.make_matrix(width, width)  # type: ignore[no-untyped-call]
    encoder.add_finder_patterns(function, width, width)  # type: ignore[no-untyped-call]
    encoder.add_alignment_patterns(function, width, width)  # type: ignore[no-untyped-call]
    unreserved = encoder.make_matrix(width, width, reserve_regions=False)  # type: ignore[no-untyped-call]
    reserved = (np.array(encoder.make_matrix(width, width)) == 0) & (np.array(unreserved) == 2)  # type: ignore[no-untyped-call]
    data = np.array(function) > 1
    rows, cols = np.indices((width, width))
    patterns = [
        np.vectorize(pattern)(rows, cols).astype(bool)
        for pattern in encoder.get_data_mask_functions(is_micro=False)  # type: ignore[no-untyped-call]
    ]
    flips = np.array([(patterns[0] ^ pattern) & data for pattern in patterns], dtype=np.uint8)
    return _Layout(data, reserved, flips)


@functools.cache
def _information(version: int, error: int, mask: int) -> _Modules:
    """The format and version information modules of a code (they depend on nothing else), in `reserved` order."""
    width = encoder.calc_matrix_size(version)  # type: ignore[no-untyped-call]
    matrix = encoder.make_matrix(width, width)  # type: ignore[no-untyped-call]
    encoder.add_format_info(matrix, version, error, mask)  # type: ignore[no-untyped-call]
    encoder.add_version_info(matrix, version)  # type: ignore[no-untyped-call]
    return np.array(matrix, dtype=np.uint8)[_layout(width).reserved]


def _n1(lines: _Modules) -> npt.NDArray[np.int64]:
    """Runs of 5 or more modules of one colour in a row or column: length - 2 points each."""
    masks, count, width = lines.shape
    # A separator (2) after every line, so that no run goes on into the next line or the next mask.
    padded = np.full((masks, count, width + 1), 2, dtype=np.uint8)
    padded[..., :width] = lines
    flat = padded.reshape(-1)
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    lengths = np.diff(np.append(starts, flat.size))
    scored = (lengths >= 5) & (flat[starts] != 2)
    per_mask = starts[scored] // (count * (width + 1))
    return np.bincount(per_mask, weights=lengths[scored] - 2, minlength=masks).astype(np.int64)


def _n3(lines: _Modules) -> list[int]:
    """1:1:3:1:1 patterns with 4 light modules (or the edge) on one side, 40 points each, found as segno finds them:
    after a pattern that scores, the search goes on 7 modules further (an overlapping one is not counted)."""
    masks, count, width = lines.shape
    found = np.ones((masks, count, width - 6), dtype=bool)
    for offset, colour in enumerate(_N3_PATTERN):
        found &= lines[..., offset : offset + width - 6] == colour
    hits = np.argwhere(found)
    scores = [0] * masks
    if not hits.size:
        return scores
    darks = np.zeros((masks, count, width + 1), dtype=np.int32)
    np.cumsum(lines, axis=-1, out=darks[..., 1:])
    mask, line, start = hits[:, 0], hits[:, 1], hits[:, 2]
    light_before = darks[mask, line, start] == darks[mask, line, np.maximum(start - 4, 0)]
    light_after = darks[mask, line, np.minimum(start + 11, width)] == darks[mask, line, start + 7]
    scoring = (light_before | light_after).tolist()
    resume: tuple[int, int, int] = (-1, -1, 0)  # (mask, line, first start the search looks at)
    for (m, n, s), scores_here in zip(hits.tolist(), scoring, strict=True):
        if (m, n) == resume[:2] and s < resume[2]:
            continue  # segno's search never sees it
        if scores_here:
            scores[m] += 40
            resume = (m, n, s + 7)
    return scores


def _penalties(candidates: _Modules) -> list[int]:
    """segno's score (N1 + N2 + N3 + N4) of each candidate matrix (masks, w, w)."""
    width = candidates.shape[1]
    lines = np.concatenate((candidates, candidates.transpose(0, 2, 1)), axis=1)
    n1 = _n1(lines).tolist()
    same = (
        (candidates[:, 1:, 1:] == candidates[:, 1:, :-1])
        & (candidates[:, 1:, 1:] == candidates[:, :-1, 1:])
        & (candidates[:, 1:, 1:] == candidates[:, :-1, :-1])
    )
    n2 = (3 * same.sum(axis=(1, 2))).tolist()
    n3 = _n3(lines)
    darks = candidates.sum(axis=(1, 2), dtype=np.int64).tolist()
    # The same float operations as segno, so that a tie at a 5 % boundary goes the same way.
    n4 = [10 * int(abs(float(dark) / (width**2) * 100 - 50) / 5) for dark in darks]
    return [sum(scores) for scores in zip(n1, n2, n3, n4, strict=True)]


def qr_modules(content: str, *, error: str) -> _Modules:
    """The QR code of `content` (w x w, 1 dark), module for module segno.make_qr(content, error=error)."""
    first = segno.make_qr(content, error=error, mask=0)
    version, level = first.version, encoder.normalize_errorlevel(first.error)  # type: ignore[no-untyped-call]
    if not isinstance(version, int):  # pragma: no cover -- make_qr never makes a Micro QR code
        raise TypeError(f"version QR inattendue : {version!r}")
    modules = np.array(first.matrix, dtype=np.uint8)
    layout = _layout(modules.shape[0])
    # What segno scores: the data modules under each mask, the format and version information still light.
    modules[layout.reserved] = 0
    candidates = modules[np.newaxis] ^ layout.flips
    penalties = _penalties(candidates)
    best = penalties.index(min(penalties))
    chosen: _Modules = candidates[best].copy()
    chosen[layout.reserved] = _information(version, level, best)
    return chosen
