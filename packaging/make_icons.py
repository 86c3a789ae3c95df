"""Draw the desk's application icon: an appeal sheet with a seal, on a blue tile.

Original artwork made for this project (no outside image, font or template is used): simple shapes on a
256-unit grid, written once as SVG (resources/icons/after-sales-desk.svg) and drawn again with Pillow for
the sizes desktops ask for (PNG), Windows (.ico) and macOS (.icns). Run again after changing a shape:
    python packaging/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
ICONS = REPO / "resources" / "icons"
NAME = "after-sales-desk"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

TILE = "#1f5fae"
TILE_DARK = "#174a8a"
SHEET = "#ffffff"
FOLD = "#c9d8ee"
LINE = "#9fb6d8"
SEAL = "#d9362b"

# Shapes on a 256 x 256 grid: (kind, coordinates, colour).
SHAPES: list[tuple[str, tuple[float, ...], str]] = [
    ("round", (8, 8, 248, 248, 48), TILE),
    ("round", (8, 200, 248, 248, 0), TILE_DARK),  # the tile's lower band, clipped by the corner below
    ("poly", (64, 40, 160, 40, 196, 76, 196, 216, 64, 216), SHEET),
    ("poly", (160, 40, 196, 76, 160, 76), FOLD),
    ("rect", (84, 96, 176, 106), LINE),
    ("rect", (84, 120, 176, 130), LINE),
    ("rect", (84, 144, 150, 154), LINE),
    ("circle", (178, 184, 44), SEAL),
    ("check", (156, 184, 172, 200, 202, 166, 12), SHEET),
]


def svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
        "<title>售后申诉工作台</title>",
        '<clipPath id="tile"><rect x="8" y="8" width="240" height="240" rx="48"/></clipPath>',
    ]
    for kind, c, colour in SHAPES:
        if kind == "round":
            x0, y0, x1, y1, r = c
            clip = ' clip-path="url(#tile)"' if r == 0 else ""
            parts.append(
                f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" rx="{r:g}" '
                f'fill="{colour}"{clip}/>'
            )
        elif kind == "poly":
            points = " ".join(f"{c[i]:g},{c[i + 1]:g}" for i in range(0, len(c), 2))
            parts.append(f'<polygon points="{points}" fill="{colour}"/>')
        elif kind == "rect":
            x0, y0, x1, y1 = c
            parts.append(
                f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" rx="4" fill="{colour}"/>'
            )
        elif kind == "circle":
            cx, cy, r = c
            parts.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{colour}"/>')
        elif kind == "check":
            x0, y0, x1, y1, x2, y2, w = c
            parts.append(
                f'<polyline points="{x0:g},{y0:g} {x1:g},{y1:g} {x2:g},{y2:g}" fill="none" '
                f'stroke="{colour}" stroke-width="{w:g}" stroke-linecap="round" stroke-linejoin="round"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def draw(size: int) -> Image.Image:
    big = 1024  # drawn large and scaled down: Pillow's shapes have no anti-aliasing of their own
    k = big / 256
    im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((8 * k, 8 * k, 248 * k, 248 * k), radius=48 * k, fill=255)
    d = ImageDraw.Draw(im)
    for kind, c, colour in SHAPES:
        s = [v * k for v in c]
        if kind == "round":
            layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
            ImageDraw.Draw(layer).rounded_rectangle(s[:4], radius=s[4], fill=colour)
            im.alpha_composite(Image.composite(layer, Image.new("RGBA", (big, big)), mask))
        elif kind == "poly":
            d.polygon(list(zip(s[0::2], s[1::2], strict=True)), fill=colour)
        elif kind == "rect":
            d.rounded_rectangle(s, radius=4 * k, fill=colour)
        elif kind == "circle":
            cx, cy, r = s
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif kind == "check":
            points = [(s[0], s[1]), (s[2], s[3]), (s[4], s[5])]
            d.line(points, fill=colour, width=round(s[6]), joint="curve")
            for x, y in (points[0], points[2]):
                r = s[6] / 2
                d.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return im.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / f"{NAME}.svg").write_text(svg(), encoding="utf-8")
    for size in PNG_SIZES:
        draw(size).save(ICONS / f"{NAME}-{size}.png", optimize=True)
    largest = draw(1024)
    largest.save(REPO / "packaging" / f"{NAME}.ico", sizes=[(n, n) for n in (16, 24, 32, 48, 64, 128, 256)])
    largest.save(REPO / "packaging" / f"{NAME}.icns")


if __name__ == "__main__":
    main()
