"""Seven-segment scale displays, read from the segments themselves. Runs in the worker process only (numpy,
opencv).

Why not the engine's own reading: its recognizer sees the faint unlit segments every display shows and reads
every place as 8 ("24.11" → "28.88"), and it drops or invents the decimal point. So the line the engine
found is re-read here: only lit segments count (far from the panel's colour, unlike the ghosts), the slant is
taken out, each digit is told from which of its seven segments are lit, and the decimal point is the small
lit square between two digits. The text handed back is digits and one point only, with a confidence that
says how cleanly the segments matched a digit.
"""

from __future__ import annotations

import re
from typing import Any

# Segments a b c d e f g (top, top right, bottom right, bottom, bottom left, top left, middle) per digit.
_DIGITS = {
    "abcdef": "0",
    "bc": "1",
    "abdeg": "2",
    "abcdg": "3",
    "bcfg": "4",
    "acdfg": "5",
    "acdefg": "6",
    "abc": "7",
    "abcdefg": "8",
    "abcdfg": "9",
}
# Where each segment is sampled, as fractions of an upright digit's box (x0, x1, y0, y1).
_ZONES = {
    "a": (0.35, 0.65, 0.0, 0.14),
    "b": (0.78, 1.0, 0.2, 0.38),
    "c": (0.78, 1.0, 0.62, 0.8),
    "d": (0.35, 0.65, 0.86, 1.0),
    "e": (0.0, 0.22, 0.62, 0.8),
    "f": (0.0, 0.22, 0.2, 0.38),
    "g": (0.35, 0.65, 0.43, 0.57),
}
# The engine's text of a display: digits, 8s for the ghosts, maybe a point or two, nothing else.
_DISPLAY_TEXT = re.compile(r"^[0-9.,:\s]+$")
_SHEARS = (-0.05, 0.0, 0.04, 0.08, 0.12, 0.16, 0.2)


def _decode(segments: str) -> tuple[str, float]:
    """The digit these lit segments make, with 1.0 for an exact match and less for the nearest one."""
    if segments in _DIGITS:
        return _DIGITS[segments], 1.0
    lit = set(segments)
    best = min(_DIGITS, key=lambda k: len(lit.symmetric_difference(k)))
    return _DIGITS[best], max(0.0, 1.0 - 0.35 * len(lit.symmetric_difference(best)))


def read_segments(crop: Any) -> tuple[str, float] | None:
    """The number shown in a crop of a display (BGR array), or None when it does not look like one."""
    import cv2
    import numpy as np

    pixels = crop.reshape(-1, 3).astype(np.float32)
    background = np.median(pixels, axis=0)
    ink = np.linalg.norm(crop.astype(np.float32) - background, axis=2)
    top = float(np.percentile(ink, 99.5))
    if top < 60:
        return None
    lit: Any = (ink > top * 0.5).astype(np.uint8)
    lit = cv2.morphologyEx(lit, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    h, w = lit.shape
    # The slant that makes the strokes most upright: the narrowest column profile.
    best_mask: Any = lit
    best_score = -1.0
    for shear in _SHEARS:
        m = np.array([[1, shear, -shear * h], [0, 1, 0]], dtype=np.float32)
        sheared = cv2.warpAffine(lit, m, (w, h), flags=cv2.INTER_NEAREST)
        profile = sheared.sum(axis=0).astype(np.float64)
        score = float((profile**2).sum())
        if score > best_score:
            best_mask, best_score = sheared, score
    count, _, stats, _ = cv2.connectedComponentsWithStats(best_mask, connectivity=8)
    # The panel's frame (as dark as lit segments on an LCD) is one big ring: never a segment or a point.
    parts = [
        tuple(int(v) for v in stats[i])
        for i in range(1, count)
        if stats[i][2] < 0.6 * w and stats[i][3] < 0.9 * h and stats[i][4] >= 6
    ]
    if not parts:
        return None
    # A stroke's width: twice the distance from its middle to its edge (segments touching at a corner
    # make L shapes, so a part's own size says nothing about it).
    inner = np.zeros_like(best_mask)
    for x, y, pw, ph, _ in parts:
        inner[y : y + ph, x : x + pw] = best_mask[y : y + ph, x : x + pw]
    depth = cv2.distanceTransform(inner, cv2.DIST_L2, 5)
    stroke = 2.0 * float(np.percentile(depth[inner > 0], 95))
    segments = [p for p in parts if max(p[2], p[3]) >= 1.6 * stroke]
    small = [p for p in parts if max(p[2], p[3]) < 1.6 * stroke]
    seg_mask: Any = np.zeros_like(best_mask)
    for x, y, pw, ph, _ in segments:
        seg_mask[y : y + ph, x : x + pw] |= best_mask[y : y + ph, x : x + pw]
    # Up and down by more than a stroke (the gap of an unlit middle segment), sideways by less (digits
    # stand wider apart than their own segments' corners).
    reach_y, reach_x = max(3, round(stroke * 2.0)), max(3, round(stroke * 0.6))
    joined = cv2.dilate(seg_mask, np.ones((reach_y, reach_x), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    hx, hy = reach_x // 2, reach_y // 2
    groups = [
        (int(s[0]) + hx, int(s[1]) + hy, int(s[2]) - 2 * hx, int(s[3]) - 2 * hy, int(s[4]))
        for s in stats[1:count]
    ]
    if not groups:
        return None
    tall = max(g[3] for g in groups)
    digits = [g for g in groups if g[3] >= 0.6 * tall and g[2] <= 1.0 * g[3]]
    if not digits or tall < 12:
        return None
    parts = small
    digits.sort(key=lambda p: p[0])
    wide = [p[2] / p[3] for p in digits if p[2] / p[3] > 0.3]
    ratio = float(np.median(wide)) if wide else 0.52
    text, scores = [], []
    for x, y, pw, ph, _ in digits:
        if pw / ph <= 0.3 and (not wide or pw / ph < ratio * 0.55):
            text.append("1")
            scores.append(1.0)
            continue
        dw = max(pw, ratio * ph)
        x0 = x + pw - dw
        on = ""
        for seg, (fx0, fx1, fy0, fy1) in _ZONES.items():
            zx0, zx1 = round(x0 + fx0 * dw), round(x0 + fx1 * dw)
            zy0, zy1 = round(y + fy0 * ph), round(y + fy1 * ph)
            zone = best_mask[max(0, zy0) : max(zy0 + 1, zy1), max(0, zx0) : max(zx0 + 1, zx1)]
            if zone.size and float(zone.mean()) > 0.3:
                on += seg
        digit, score = _decode("".join(s for s in "abcdefg" if s in on))
        text.append(digit)
        scores.append(score)
    # The decimal point: a small, squarish lit blob low down, between two digits.
    bottom = max(p[1] + p[3] for p in digits)
    first_left, last_right = digits[0][0], digits[-1][0] + digits[-1][2]
    point_at = None
    for x, y, pw, ph, area in parts:
        if ph > 0.25 * tall or pw > 0.3 * tall or area < 0.002 * tall * tall:
            continue
        cx, cy = x + pw / 2, y + ph / 2
        if cy < bottom - 0.3 * tall or not (first_left < cx < last_right):
            continue
        point_at = sum(1 for d in digits if d[0] + d[2] / 2 < cx)
        break
    number = "".join(text)
    if point_at is not None and 0 < point_at < len(number):
        number = number[:point_at] + "." + number[point_at:]
    return number, min(scores)


def reread(img: Any, lines: list[list[Any]]) -> list[list[Any]]:
    """The engine's lines with a display's lines replaced by one line: the segments' reading ([box, text,
    confidence] as the worker answers). A line counts as part of a display when the engine read only digits
    in it and it is tall (a display's digits are the biggest text in a photo of a scale); the engine often
    cuts one display into pieces where unlit places separate lit ones, so pieces side by side are joined."""
    height = img.shape[0]

    def extent(box: list[list[float]]) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        return min(xs), min(ys), max(xs), max(ys)

    groups: list[list[int]] = []
    for i, (box, text, _) in enumerate(lines):
        x0, y0, x1, y1 = extent(box)
        if not _DISPLAY_TEXT.match(text) or y1 - y0 < 0.08 * height:
            continue
        for group in groups:
            _, gy0, _, gy1 = extent([p for j in group for p in lines[j][0]])
            overlap = min(y1, gy1) - max(y0, gy0)
            if overlap > 0.5 * min(y1 - y0, gy1 - gy0):
                group.append(i)
                break
        else:
            groups.append([i])
    replaced: dict[int, list[Any] | None] = {}
    for group in groups:
        x0, y0, x1, y1 = extent([p for j in group for p in lines[j][0]])
        line_h = y1 - y0
        pad_x, pad_y = 0.35 * line_h, 0.08 * line_h
        cx0, cx1 = max(0, int(x0 - pad_x)), min(img.shape[1], int(x1 + pad_x))
        cy0, cy1 = max(0, int(y0 - pad_y)), min(height, int(y1 + pad_y))
        read = read_segments(img[cy0:cy1, cx0:cx1])
        if read is None:
            continue
        score = min(float(lines[j][2]) for j in group)
        box = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
        replaced[group[0]] = [box, read[0], float(read[1]) * score**0.25]
        for j in group[1:]:
            replaced[j] = None
    out = []
    for i, line in enumerate(lines):
        if i not in replaced:
            out.append(line)
        elif (new := replaced[i]) is not None:
            out.append(new)
    return out
