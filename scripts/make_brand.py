"""Draw the integration's brand images (custom_components/aura_tts/brand/).

A speech bubble with sound-wave bars on an aurora gradient: "a voice", recognisable at
the 48 px Home Assistant shows it. Run through scripts/py314 with a venv that has Pillow:

    scripts/py314 sh -c '$AURA_VENVS/test/bin/python scripts/make_brand.py'
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "aura_tts" / "brand"
TOP, BOTTOM = (76, 42, 180), (0, 170, 170)  # violet to teal, an aurora
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SUPERSAMPLE = 4


def _gradient(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / (size - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        draw.line([(0, y), (size, y)], fill=colour)
    return image


def icon(size: int) -> Image.Image:
    """The square icon at ``size`` pixels."""
    big = size * SUPERSAMPLE
    unit = big / 256
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, big - 1, big - 1], radius=56 * unit, fill=255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    image.paste(_gradient(big), (0, 0), mask)
    draw = ImageDraw.Draw(image)
    # The bubble, with its tail at the lower left.
    draw.rounded_rectangle(
        [36 * unit, 44 * unit, 220 * unit, 176 * unit], radius=40 * unit, fill="white"
    )
    draw.polygon(
        [(64 * unit, 160 * unit), (52 * unit, 214 * unit), (112 * unit, 170 * unit)], fill="white"
    )
    # Sound-wave bars, tallest in the middle.
    heights = (28, 56, 88, 56, 28)
    width = 16 * unit
    gap = 14 * unit
    total = len(heights) * width + (len(heights) - 1) * gap
    x = 128 * unit - total / 2
    for height in heights:
        top = 110 * unit - height * unit / 2
        draw.rounded_rectangle(
            [x, top, x + width, top + height * unit], radius=width / 2, fill=(*TOP, 255)
        )
        x += width + gap
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int) -> Image.Image:
    """The icon followed by the name, ``height`` pixels tall, on a transparent background."""
    mark = icon(height)
    font = ImageFont.truetype(FONT, round(height * 0.42))
    text = "Aura TTS"
    left, top, right, bottom = font.getbbox(text)
    padding = round(height * 0.18)
    image = Image.new("RGBA", (height + padding + round(right - left), height), (0, 0, 0, 0))
    image.paste(mark, (0, 0))
    draw = ImageDraw.Draw(image)
    draw.text(
        (height + padding - left, (height - (bottom - top)) / 2 - top), text, font=font, fill=TOP
    )
    return image


def main() -> None:
    """Write icon.png, icon@2x.png, logo.png and logo@2x.png."""
    BRAND.mkdir(exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
    logo(128).save(BRAND / "logo.png", optimize=True)
    logo(256).save(BRAND / "logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
