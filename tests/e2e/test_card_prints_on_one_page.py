"""The professionals' card prints as one page of its own paper size, in every language: A4
for the big card, A6 for the small one (chromium's PDF output, with the page's CSS size), and
its QR code is an image that loads (it shows with SVG turned off too)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.browser

POINTS_PER_MM = 72 / 25.4
PAPER_MM = {"card": (210, 297), "card_a6": (105, 148)}


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page of a PDF chromium wrote: one /Type /Page and
    one /MediaBox [0 0 w h] a page (its page objects are not compressed)."""
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == len(pages), "a page without its size"
    return [(float(width), float(height)) for width, height in boxes]


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
@pytest.mark.parametrize("name", ["card", "card_a6"])
def test_the_card_prints_on_exactly_one_page_of_its_size(new_context, language, name):
    visit = new_context()
    with translation.override(language):
        visit.goto(reverse(name))
    pdf = visit.page.pdf(prefer_css_page_size=True, print_background=True)
    pages = pdf_pages(pdf)
    assert len(pages) == 1, f"{name} ({language}) printed {len(pages)} pages"
    width_mm, height_mm = (side / POINTS_PER_MM for side in pages[0])
    expected = PAPER_MM[name]
    assert abs(width_mm - expected[0]) < 1.5 and abs(height_mm - expected[1]) < 1.5, (
        f"{name} ({language}) printed on {width_mm:.0f} x {height_mm:.0f} mm")


def test_the_qr_code_is_an_image_that_loads_with_a_text_alternative(new_context):
    visit = new_context()
    visit.goto(reverse("card"))
    image = visit.page.locator(".qr img")
    assert image.is_visible()
    assert visit.page.evaluate("document.querySelector('.qr img').naturalWidth") > 0
    assert "QR" in (image.get_attribute("alt") or "")
    assert visit.page.locator(".qr svg").count() == 0


def test_the_qr_code_shows_in_firefox_with_svg_and_javascript_off(firefox):
    """Tor Browser's safest level (svg.disabled): the image is drawn, no title shows as text."""
    visit = firefox({"svg.disabled": True, "javascript.enabled": False})
    visit.goto(reverse("card_a6"))
    visit.wait_for(lambda: visit.client.execute_script("return document.readyState")
                   == "complete")
    drawn = visit.client.execute_script(
        "const image = document.querySelector('.qr img');"
        " return image ? [image.complete, image.naturalWidth,"
        " image.getBoundingClientRect().width] : null;")
    assert drawn is not None and drawn[0] and drawn[1] > 0 and drawn[2] > 100
    text = visit.client.execute_script("return document.querySelector('.qr').textContent")
    assert text.strip() == ""
