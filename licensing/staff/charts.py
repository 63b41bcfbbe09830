"""Small server-side SVG bar charts: no JavaScript, no chart library, nothing from a CDN.

Each chart is a horizontal bar chart, one group of bars per category and one bar per series,
with the number written at the end of every bar. It is an image with an accessible name
(`role="img"`, `<title>` and `<desc>` referenced by `aria-labelledby`/`aria-describedby`);
the page shows the same numbers in a table beside it, which is what screen-reader users and
anyone who needs exact figures read.

Every piece of text is escaped with `django.utils.html.escape` before it joins the markup,
and only the finished string is marked safe. Colours are the design system's
(static/css/portal.css). In a right-to-left page the chart is mirrored: labels on the
right, bars growing to the left.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The design system's colours (static/css/portal.css :root); all at least 3:1 on white.
PALETTE = {
    "brand": "#00573d",
    "info": "#1d70b8",
    "warning": "#8a4b00",
    "error": "#b10e1e",
    "success": "#00703c",
    "muted": "#484949",
}
TEXT = "#0b0c0c"
AXIS = "#8a8c8e"

WIDTH = 540
LABEL_WIDTH = 180
VALUE_ROOM = 56
BAR_HEIGHT = 18
BAR_GAP = 3
GROUP_GAP = 12
LEGEND_HEIGHT = 28
FONT_SIZE = 13
LABEL_CHARS = 24  # about 165 units at 13 px: fits LABEL_WIDTH


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]
    colour: str = "brand"


def default_format(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return number_format(value, decimal_pos=1, force_grouping=True)


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _attrs(**attrs) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attrs.items()
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_format: Callable[[float | int | None], str] = default_format,
    max_value: float | None = None,
    rtl: bool = False,
) -> SafeString:
    """An accessible horizontal bar chart as inline SVG markup.

    `categories` are the row labels; each series has one value per category (None: no data,
    drawn as a dash). `max_value` fixes the scale (e.g. 100 for percentages).
    """
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"Series {s.name!r} needs one value per category.")
    if not categories:
        raise ValueError("A chart needs at least one category.")
    values = [v for s in series for v in s.values if v is not None]
    top = max([max_value or 0, *values]) or 1
    plot_start = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_ROOM
    legend = len(series) > 1
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    y0 = LEGEND_HEIGHT if legend else 4
    height = y0 + len(categories) * (group_height + GROUP_GAP) + 4

    def x(pos: float, width: float = 0) -> float:
        """Left edge of a shape (or the anchor of a text when width=0), mirrored for RTL."""
        return round(WIDTH - pos - width if rtl else pos, 1)

    start, end = ("end", "start") if rtl else ("start", "end")
    parts = [
        f"<svg {_attrs(xmlns='http://www.w3.org/2000/svg', viewBox=f'0 0 {WIDTH} {height}')}"
        f' role="img" aria-labelledby="{escape(chart_id)}-title" aria-describedby="{escape(chart_id)}-desc"'
        f' class="chart__svg" direction="ltr" font-size="{FONT_SIZE}" fill="{TEXT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    if legend:
        cursor = plot_start
        for s in series:
            swatch = x(cursor, 12)
            parts.append(f"<rect {_attrs(x=swatch, y=6, width=12, height=12, fill=PALETTE[s.colour])}/>")
            parts.append(f"<text {_attrs(x=x(cursor + 18), y=16, text_anchor=start)}>{escape(s.name)}</text>")
            cursor += 30 + 8 * len(str(s.name))
    parts.append(
        f"<line {_attrs(x1=x(plot_start), x2=x(plot_start), y1=y0 - 2, y2=height - 2, stroke=AXIS)}/>"
    )
    for i, category in enumerate(categories):
        group_y = y0 + i * (group_height + GROUP_GAP)
        label_y = group_y + group_height / 2 + FONT_SIZE / 2 - 2
        parts.append(
            f"<text {_attrs(x=x(plot_start - 8), y=round(label_y, 1), text_anchor=end)}>"
            f"<title>{escape(category)}</title>{escape(_short(category))}</text>"
        )
        for j, s in enumerate(series):
            value = s.values[i]
            bar_y = group_y + j * (BAR_HEIGHT + BAR_GAP)
            length = 0 if not value else max(1.0, plot_width * value / top)
            if length:
                shape = _attrs(
                    x=x(plot_start, length),
                    y=bar_y,
                    width=round(length, 1),
                    height=BAR_HEIGHT,
                    fill=PALETTE[s.colour],
                )
                label = (
                    f"{category}, {s.name}: {value_format(value)}"
                    if legend
                    else f"{category}: {value_format(value)}"
                )
                parts.append(f"<rect {shape}><title>{escape(label)}</title></rect>")
            text_y = round(bar_y + BAR_HEIGHT / 2 + FONT_SIZE / 2 - 2, 1)
            parts.append(
                f"<text {_attrs(x=x(plot_start + length + 6), y=text_y, text_anchor=start)}>"
                f"{escape(value_format(value))}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
