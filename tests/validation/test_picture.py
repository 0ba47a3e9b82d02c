"""The picture of a refused letter: the page as printed, the window in blue, what was found
in red, a legend; small; drawn in the worker only when asked."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pytest
from PIL import Image
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import picture
from imprimfip.validation.check import check_pdf
from imprimfip.validation.pool import ValidatorPool
from tests.fixtures import pdfs
from tests.fixtures.annotated import make_big_image

RULES = ValidationRules()
SCALE = picture.PICTURE_PX_PER_MM
PAGE_HEIGHT = 297 * mm


def drawn(data: bytes, *, want_address: bool = False) -> Image.Image:
    report = check_pdf(data, RULES, want_address=want_address)
    png = picture.draw(data, report, RULES)
    assert len(png) <= picture.MAX_PNG_BYTES
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def near(colour: tuple[int, int, int], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour, wanted, strict=True))


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data = image.tobytes()
    return [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]


def bluish(pixel: tuple[int, ...]) -> bool:
    """The blue of a zone, seen through its light tint."""
    return pixel[2] - pixel[0] > 25 and pixel[2] > pixel[1]


def coloured(image: Image.Image, box_mm: tuple[float, float, float, float], wanted) -> int:
    """How many pixels of `wanted` colour lie in `box_mm`."""
    left, top, right, bottom = (round(v * SCALE) for v in box_mm)
    part = image.crop((left, top, right, bottom))
    return sum(1 for pixel in pixels(part) if near(pixel, wanted))


def logo(canvas: Canvas) -> None:
    canvas.rect(150 * mm, PAGE_HEIGHT - 85 * mm, 30 * mm, 8 * mm, fill=1)


def test_the_window_is_drawn_in_blue_where_it_is():
    image = drawn(pdfs.make_letter(address_origin_mm=(20.0, 60.0)))
    zone = RULES.address_zone
    # Its left edge, from top to bottom of the window, and not elsewhere on that column.
    edge = (zone.left_mm - 0.3, zone.top_mm + 2, zone.left_mm + 0.6, zone.bottom_mm - 2)
    assert (
        coloured(image, edge, picture.EXPECTED) >= 0.8 * (zone.bottom_mm - zone.top_mm - 4) * SCALE
    )
    assert (
        coloured(image, (zone.left_mm - 0.3, 120, zone.left_mm + 0.6, 200), picture.EXPECTED) == 0
    )
    # The top edge too.
    top = (zone.left_mm + 2, zone.top_mm - 0.3, zone.right_mm - 2, zone.top_mm + 0.6)
    assert (
        coloured(image, top, picture.EXPECTED) >= 0.8 * (zone.right_mm - zone.left_mm - 4) * SCALE
    )


def test_the_lines_read_are_framed_in_red_and_nothing_else_is():
    """Address lines in lower case: the warning carries the lines read."""
    lines = ("Madame Claire Dupont", "10 rue des Lilas", "75011 Paris")
    image = drawn(pdfs.make_letter(address_lines=lines, address_origin_mm=(120.0, 65.0)))
    # The frame of the first line, just left of its first letter (baseline 65 mm, 10 pt).
    assert coloured(image, (117, 60, 121, 67), picture.FOUND) > 10
    # The body text and the sender line are not framed.
    assert coloured(image, (15, 20, 100, 30), picture.FOUND) == 0
    assert coloured(image, (15, 105, 200, 130), picture.FOUND) == 0


def test_ink_out_of_its_place_is_red_and_its_zone_blue():
    def both(canvas: Canvas) -> None:
        logo(canvas)
        canvas.rect(100 * mm, 1 * mm, 10 * mm, 2 * mm, fill=1)

    image = drawn(pdfs.make_letter(extra=both))
    assert coloured(image, (148, 75, 182, 87), picture.FOUND) > 100
    band = image.crop((30 * SCALE, 293 * SCALE, 90 * SCALE, 297 * SCALE))
    assert sum(map(bluish, pixels(band))) > 100, "the bottom band, tinted"


def test_a_wrong_size_shows_the_a4_sheet_expected_and_the_page_found():
    image = drawn(pdfs.make_letter(page_size=pdfs.A5))
    assert image.width == round(210 * SCALE)
    # A4's right edge in blue, below the A5 page; the A5 page's right edge in red.
    assert coloured(image, (209, 230, 210, 290), picture.EXPECTED) > 50
    assert coloured(image, (147.5, 20, 148.5, 200), picture.FOUND) > 100


def test_the_legend_is_below_the_page():
    image = drawn(pdfs.make_letter(extra=logo))
    page_height = round(297 * SCALE)
    assert image.height > page_height + 40
    legend = image.crop((0, page_height, image.width, image.height))
    assert any(near(p, picture.EXPECTED) for p in pixels(legend))
    assert any(near(p, picture.FOUND) for p in pixels(legend))
    assert any(p == (0, 0, 0) for p in pixels(legend)), "black text"


def test_a_page_of_noise_stays_under_the_size_bound():
    """A scanned photograph compresses badly: fewer colours, then fewer pixels."""
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (600, 850), rng.randbytes(600 * 850 * 3))

    def photo(canvas: Canvas) -> None:
        canvas.drawImage(ImageReader(noise), 0, 0, 210 * mm, 297 * mm)

    data = pdfs.make_letter(extra=photo)
    report = check_pdf(data, RULES)
    assert not report.ok
    assert len(picture.draw(data, report, RULES)) <= picture.MAX_PNG_BYTES


@pytest.mark.parametrize(
    ("make", "wanted"),
    [
        (lambda: pdfs.make_letter(extra=logo), True),
        (lambda: pdfs.make_letter(landscape=True), True),
        (lambda: pdfs.make_letter(address_origin_mm=(20.0, 60.0)), True),
        (lambda: pdfs.make_letter(embed_fonts=False), False),
        (pdfs.make_letter, False),
    ],
    ids=["clutter", "landscape", "no address", "fonts only", "good"],
)
def test_a_picture_is_drawn_only_for_a_layout_refusal(make, wanted):
    report = check_pdf(make(), RULES)
    assert picture.explains_refusal(report, address_needed=False) is wanted


def test_a_registered_letter_without_a_readable_address_gets_a_picture():
    """The address check is off in this flow, so the letter passes, but a registered
    letter needs its recipient: the picture shows the window it was looked for in."""
    severity = replace(RULES.severity, address_block="off")
    rules = replace(RULES, severity=severity)
    report = check_pdf(pdfs.make_letter(address_lines=()), rules, want_address=True)
    assert report.ok and report.address is None
    assert picture.explains_refusal(report, address_needed=True)
    assert not picture.explains_refusal(report, address_needed=False)


@pytest.fixture
async def pool():
    async with ValidatorPool(workers=1, timeout_s=20.0, memory_mb=768) as started:
        yield started


async def test_the_pool_brings_the_picture_of_a_refused_letter(pool):
    inspection = await pool.inspect(pdfs.make_letter(extra=logo), RULES, picture="refused")
    assert not inspection.report.ok
    assert inspection.picture is not None
    assert Image.open(io.BytesIO(inspection.picture)).size[0] == round(210 * SCALE)
    good = await pool.inspect(pdfs.make_letter(), RULES, picture="refused")
    assert good.report.ok and good.picture is None


async def test_always_draws_good_letters_too_and_never_draws_none(pool):
    assert (await pool.inspect(pdfs.make_letter(), RULES, picture="always")).picture
    assert (await pool.inspect(pdfs.make_letter(extra=logo), RULES)).picture is None


@pytest.mark.parametrize(
    "make",
    [
        pdfs.make_html,
        pdfs.make_truncated,
        pdfs.make_garbled,
        pdfs.make_no_pages,
        pdfs.make_bomb,
        pdfs.make_deep_nesting,
        pdfs.make_recursive_form,
        lambda: pdfs.make_encrypted("secret"),
    ],
    ids=[
        "html",
        "truncated",
        "garbled",
        "no pages",
        "bomb",
        "nesting",
        "recursive form",
        "encrypted",
    ],
)
async def test_malformed_files_get_no_picture_and_the_next_letter_is_drawn(pool, make):
    broken = await pool.inspect(make(), RULES, picture="always")
    assert not broken.report.ok
    assert broken.picture is None
    following = await pool.inspect(pdfs.make_letter(), RULES, picture="always")
    assert following.report.ok and following.picture is not None
    assert len(pool._workers) == 1


@pytest.mark.parametrize("memory_mb", [1024, 160], ids=["room", "tight"])
async def test_a_huge_image_is_drawn_within_the_memory_bound(memory_mb):
    """PDFium scales a 6000 x 6000 image down as it draws it; under a tight bound it draws
    without it rather than failing, and the worker goes on."""
    async with ValidatorPool(workers=1, timeout_s=30.0, memory_mb=memory_mb) as pool:
        [worker] = pool._workers
        inspection = await pool.inspect(make_big_image(), RULES, picture="always")
        codes = {f.code for f in inspection.report.findings}
        assert "too_complex" not in codes
        if memory_mb == 1024:
            assert {"window_clutter", "reserved_zone_ink"} <= codes
        assert inspection.picture is not None
        following = await pool.inspect(pdfs.make_letter(), RULES, picture="always")
        assert following.report.ok
        assert pool._workers == [worker]
