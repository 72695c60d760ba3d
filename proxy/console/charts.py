"""Charts drawn on the server as SVG: numbers in, geometry out; the templates draw it (``templates/charts.html``).

Each chart is shown with a table of the same numbers, which is its text alternative: the SVG is labelled as an
image and says only what it shows, the table is what a screen reader reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Colours of the GOV.UK palette, each at least 3:1 against white (WCAG 1.4.11, graphics).
DECISION_COLOURS = {"allow": "#0f7a52", "redact": "#1d70b8", "strip": "#54319f", "block": "#ca3535", "none": "#484949"}
BAR_COLOUR = "#1d70b8"
LABEL_WIDTH = 220
BAR_AREA = 420
ROW_HEIGHT = 28


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    y: int
    width: int


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    colour: str


def bar_chart(
    items: list[dict[str, Any]],
    colour: str = BAR_COLOUR,
    limit: int = 12,
    labels: Mapping[str | None, str] | None = None,
) -> BarChart:
    """Horizontal bars, largest first, for ``[{"value": ..., "count": n}]`` (at most ``limit`` bars); ``labels``
    names values (e.g. decisions) in words."""
    items = [{**item, "value": (labels or {}).get(item["value"], item["value"])} for item in items[:limit]]
    largest = max((item["count"] for item in items), default=0) or 1
    bars = [
        Bar(
            _label(item["value"]),
            item["count"],
            8 + index * ROW_HEIGHT,
            max(2, round(BAR_AREA * item["count"] / largest)),
        )
        for index, item in enumerate(items)
    ]
    return BarChart(bars, LABEL_WIDTH + BAR_AREA + 60, 16 + len(bars) * ROW_HEIGHT, LABEL_WIDTH, colour)


@dataclass(frozen=True, slots=True)
class Segment:
    decision: str
    count: int
    y: int
    height: int
    colour: str


@dataclass(frozen=True, slots=True)
class Column:
    day: str
    total: int
    x: int
    segments: list[Segment]
    show_label: bool


@dataclass(frozen=True, slots=True)
class ColumnChart:
    columns: list[Column]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    column_width: int
    largest: int
    decisions: list[tuple[str, str]]  # (decision, colour), for the key


def decisions_by_day(days: list[dict[str, Any]], decisions: tuple[str, ...]) -> ColumnChart:
    """Stacked columns, one per day, split by decision, from ``[{"day": ..., "allow": n, ...}]``."""
    plot_top, plot_bottom, left = 16, 216, 48
    step = max(8, min(48, 640 // max(len(days), 1)))
    column_width = max(4, step - 4)
    largest = max((sum(day[d] for d in decisions) for day in days), default=0) or 1
    label_every = max(1, len(days) // 8)
    columns = []
    for index, day in enumerate(days):
        x = left + index * step
        bottom = plot_bottom
        segments = []
        for decision in decisions:
            count = day[decision]
            if not count:
                continue
            height = max(1, round((plot_bottom - plot_top) * count / largest))
            bottom -= height
            segments.append(Segment(decision, count, bottom, height, DECISION_COLOURS[decision]))
        columns.append(Column(day["day"], sum(day[d] for d in decisions), x, segments, index % label_every == 0))
    width = left + max(len(days), 1) * step + 16
    key_width = left + len(decisions) * 120 + 16  # the key under the plot needs room for every decision
    return ColumnChart(
        columns,
        max(width, key_width),
        plot_bottom + 40,
        plot_top,
        plot_bottom,
        column_width,
        largest,
        [(d, DECISION_COLOURS[d]) for d in decisions],
    )


def _label(value: object) -> str:
    text = "(none)" if value is None else str(value)
    return text if len(text) <= 30 else text[:29] + "…"
