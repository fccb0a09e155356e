"""The SVG bar charts: well-formed, accessible, CSP-safe, and the same bytes for the same data."""

from xml.etree import ElementTree

import pytest

from app.pages import charts
from app.pages.charts import bar_chart, standalone_svg

SVG = "{http://www.w3.org/2000/svg}"
KIND = [("national", 115), ("youth", 42), ("sub-regional", 13), ("regional", 5)]
REGION = [
    ("Africa", 54),
    ("Asia-Pacific", 30),
    ("Latin America and Caribbean", 28),
    ("Western Europe and Others", 24),
    ("Eastern Europe", 22),
    ("Portuguese-speaking countries", 1),
    ("Central Asia", 1),
]


def chart(
    counts: list[tuple[str, int]],
    title: str = "NRIs by kind",
    description: str = "Number of NRIs of each kind.",
) -> ElementTree.Element:
    svg = bar_chart(title=title, description=description, counts=counts, chart_id="kind")
    return ElementTree.fromstring(svg)


def image(counts: list[tuple[str, int]], title: str = "t", description: str = "d") -> bytes:
    return standalone_svg(
        bar_chart(title=title, description=description, counts=counts, chart_id="kind")
    )


def rows(root: ElementTree.Element) -> list[ElementTree.Element]:
    return root.findall(f"{SVG}g")


def bar(row: ElementTree.Element) -> ElementTree.Element:
    found = row.findall(f"{SVG}rect")
    assert len(found) == 1
    return found[0]


def texts(row: ElementTree.Element) -> list[str]:
    return [text.text or "" for text in row.findall(f"{SVG}text")]


def view_box(root: ElementTree.Element) -> tuple[float, float]:
    x, y, width, height = (float(part) for part in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    return width, height


def luminance(colour: str) -> float:
    def linear(channel: str) -> float:
        value = int(channel, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_each_label_gets_one_row_in_the_order_given() -> None:
    root = chart(KIND)
    assert [texts(row) for row in rows(root)] == [
        ["national", "115"],
        ["youth", "42"],
        ["sub-regional", "13"],
        ["regional", "5"],
    ]


def test_bar_widths_are_proportional_and_the_largest_fills_the_bar_column() -> None:
    counts = [("youth", 42), ("national", 115), ("none", 0), ("regional", 5)]
    widths = [float(bar(row).attrib["width"]) for row in rows(chart(counts))]
    assert widths[1] == charts.BAR_MAX_WIDTH
    assert widths[2] == 0
    for width, (_, count) in zip(widths, counts, strict=True):
        assert width == pytest.approx(charts.BAR_MAX_WIDTH * count / 115, abs=0.005)


def test_all_zero_counts_draw_empty_bars_without_failing() -> None:
    root = chart([("a", 0), ("b", 0)])
    assert [bar(row).attrib["width"] for row in rows(root)] == ["0", "0"]


def test_bars_share_one_left_edge_and_count_sits_just_past_the_bar() -> None:
    for row in rows(chart(KIND)):
        rect = bar(row)
        end = float(rect.attrib["x"]) + float(rect.attrib["width"])
        assert float(row.findall(f"{SVG}text")[1].attrib["x"]) == pytest.approx(end + charts.GAP)
    assert len({bar(row).attrib["x"] for row in rows(chart(KIND))}) == 1


def test_title_and_desc_come_first_and_name_the_chart() -> None:
    root = ElementTree.fromstring(
        bar_chart(title="NRIs by kind", description="Kinds.", counts=KIND, chart_id="nri-kind")
    )
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "nri-kind-title nri-kind-desc"
    title, desc = list(root)[:2]
    assert (title.tag, title.attrib, title.text) == (
        f"{SVG}title",
        {"id": "nri-kind-title"},
        "NRIs by kind",
    )
    assert (desc.tag, desc.attrib["id"]) == (f"{SVG}desc", "nri-kind-desc")


def test_desc_states_every_label_and_its_count() -> None:
    desc = chart(KIND).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "Number of NRIs of each kind. national: 115; youth: 42; sub-regional: 13; regional: 5."
    )


def test_inline_chart_scales_to_its_container_and_takes_the_page_text_colour() -> None:
    root = chart(KIND)
    assert root.attrib["width"] == "100%"
    # A fixed height would leave a tall empty box once the width shrinks on a phone.
    assert "height" not in root.attrib
    assert root.attrib["fill"] == "currentColor"
    drawn_text = root.findall(f".//{SVG}text")
    assert drawn_text and all("fill" not in text.attrib for text in drawn_text)
    assert {bar(row).attrib["fill"] for row in rows(root)} == {charts.BAR_FILL}


@pytest.mark.parametrize("background", ["#ffffff", "#121212"])
def test_bar_colour_stands_out_on_light_and_dark_pages(background: str) -> None:
    assert contrast(charts.BAR_FILL, background) >= 3


def test_long_labels_widen_the_label_column_and_everything_fits_the_view_box() -> None:
    short, long = chart([("Asia", 30)]), chart(REGION)
    width, height = view_box(long)
    longest = len("Portuguese-speaking countries")
    label_x = float(rows(long)[0].findall(f"{SVG}text")[0].attrib["x"])
    assert label_x >= charts.PADDING + longest * charts.CHAR_WIDTH
    assert view_box(short)[0] < width
    assert height == 2 * charts.PADDING + charts.ROW_HEIGHT * len(REGION)
    for row in rows(long):
        count = row.findall(f"{SVG}text")[1]
        digits = len(count.text or "")
        assert float(count.attrib["x"]) + digits * charts.CHAR_WIDTH <= width


def test_a_label_past_the_limit_is_cut_and_kept_whole_in_its_row_title() -> None:
    label = "Latin America and the Caribbean, with the overseas territories"
    (row,) = rows(chart([(label, 3)]))
    assert texts(row)[0] == "Latin America and the Caribbean\u2026"
    assert len(texts(row)[0]) == charts.MAX_LABEL_CHARS
    title = row.find(f"{SVG}title")
    assert title is not None and title.text == f"{label}: 3"


def test_a_label_within_the_limit_is_shown_whole_without_a_row_title() -> None:
    (row,) = rows(chart([("Portuguese-speaking countries", 1)]))
    assert texts(row)[0] == "Portuguese-speaking countries"
    assert row.find(f"{SVG}title") is None


HOSTILE = [("<script>alert(1)</script>", 3), ("\"&'", 2), ("</text><style>x</style>", 1)]


def test_hostile_labels_and_titles_are_escaped_and_read_back_as_text() -> None:
    svg = bar_chart(title='<b>"Kinds" & co</b>', description="<i>", counts=HOSTILE, chart_id="kind")
    assert "<script>" not in svg and "<style>" not in svg
    root = ElementTree.fromstring(svg)
    assert [texts(row)[0] for row in rows(root)] == [label for label, _ in HOSTILE]
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == '<b>"Kinds" & co</b>'
    assert desc is not None and desc.text == (
        "<i> <script>alert(1)</script>: 3; \"&': 2; </text><style>x</style>: 1."
    )


def test_characters_xml_cannot_carry_are_dropped_so_the_chart_still_parses() -> None:
    (row,) = rows(chart([("a\x00b\x1bc\ufffe", 1)], title="t\x0c"))
    assert texts(row)[0] == "abc"


@pytest.mark.parametrize("counts", [KIND, HOSTILE, []])
def test_no_style_attribute_or_element_anywhere(counts: list[tuple[str, int]]) -> None:
    documents = [
        chart(counts),
        ElementTree.fromstring(image(counts)),
    ]
    for root in documents:
        for element in root.iter():
            assert element.tag != f"{SVG}style"
            assert "style" not in element.attrib


def test_empty_counts_give_a_chart_that_says_no_records() -> None:
    root = chart([])
    assert root.attrib["aria-labelledby"] == "kind-title kind-desc"
    assert [element.tag for element in root] == [f"{SVG}title", f"{SVG}desc", f"{SVG}text"]
    assert [text.text for text in root.iter(f"{SVG}text")] == ["No records"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "Number of NRIs of each kind. No records."
    assert root.find(f".//{SVG}rect") is None


def test_the_same_data_gives_the_same_bytes() -> None:
    first = bar_chart(title="t", description="d", counts=REGION, chart_id="region")
    again = bar_chart(title="t", description="d", counts=tuple(REGION), chart_id="region")
    assert first == again
    assert standalone_svg(first) == standalone_svg(again)
    assert image(REGION) == image(list(REGION)) != image(KIND)


def test_standalone_image_has_prolog_white_background_dark_text_and_a_size() -> None:
    body = image(KIND)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert b"currentColor" not in body
    root = ElementTree.fromstring(body)
    background = list(root)[2]
    assert (background.tag, background.attrib) == (
        f"{SVG}rect",
        {"width": "100%", "height": "100%", "fill": "#ffffff"},
    )
    assert root.attrib["fill"] == charts.STANDALONE_TEXT_FILL
    assert contrast(charts.STANDALONE_TEXT_FILL, "#ffffff") >= 4.5
    width, height = view_box(root)
    assert (root.attrib["width"], root.attrib["height"]) == (f"{width:g}", f"{height:g}")


def test_standalone_image_draws_the_same_bars_as_the_inline_chart() -> None:
    inline = chart(KIND, title="t", description="d")
    drawn = ElementTree.fromstring(image(KIND))
    assert [bar(row).attrib for row in rows(drawn)] == [bar(row).attrib for row in rows(inline)]
    assert [texts(row) for row in rows(drawn)] == [texts(row) for row in rows(inline)]
    assert view_box(drawn) == view_box(inline)


def test_standalone_image_keeps_a_hostile_title_and_desc_as_text() -> None:
    title, description = '</desc><rect width="1"/>">', "</title></desc>"
    root = ElementTree.fromstring(image(HOSTILE, title=title, description=description))
    assert [element.tag for element in root][:3] == [f"{SVG}title", f"{SVG}desc", f"{SVG}rect"]
    assert root[0].text == title
    assert (root[1].text or "").startswith(f"{description} <script>")
    assert len(root.findall(f"{SVG}rect")) == 1
    assert [texts(row)[0] for row in rows(root)] == [label for label, _ in HOSTILE]


@pytest.mark.parametrize(
    "svg",
    [
        "",
        "<svg/>",
        '<svg xmlns="http://www.w3.org/2000/svg"><desc>x</desc></svg>',
        bar_chart(title="t", description="d", counts=KIND, chart_id="kind").replace(
            'fill="currentColor"', 'fill="red"'
        ),
        bar_chart(title="t", description="d", counts=KIND, chart_id="kind").replace(
            "</desc>", "</title>"
        ),
    ],
)
def test_standalone_svg_refuses_what_bar_chart_did_not_make(svg: str) -> None:
    with pytest.raises(ValueError, match="bar_chart"):
        standalone_svg(svg)


def test_standalone_image_is_utf_8() -> None:
    body = image([("é", 1)], title="Côte d’Ivoire", description="")
    assert "Côte d’Ivoire".encode() in body
    assert texts(rows(ElementTree.fromstring(body))[0]) == ["é", "1"]


@pytest.mark.parametrize("chart_id", ["", "two words", "1st", 'x"y', "a<b"])
def test_a_chart_id_that_cannot_be_an_id_is_refused(chart_id: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        bar_chart(title="t", description="d", counts=KIND, chart_id=chart_id)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        bar_chart(title="t", description="d", counts=[("a", -1)], chart_id="c")
