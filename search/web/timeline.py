"""The query's timeline: hits per year or month (or their share of the period's documents) as bars of
an SVG drawn on the server, each bar a link that narrows the dates to its period."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
HEIGHT = 120
AXIS = 18  # room for the period labels under the bars


@dataclass(frozen=True)
class Bar:
    period: str
    count: int
    share: float | None
    x: float
    y: float
    width: float
    height: float
    href: str

    @property
    def title(self) -> str:
        share = "" if self.share is None else f", {self.share * 100:.1f}% of the period's documents"
        return f"{self.period}: {self.count} document{'s' if self.count != 1 else ''}{share}"


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    labels: list[tuple[float, str]]
    undated: int
    width: int = WIDTH
    height: int = HEIGHT
    axis: int = AXIS


def period_range(period: str) -> tuple[str, str]:
    """The `from` and `to` of one bar: the whole year or month (date ranges are whole periods)."""
    return period, period


def build(trend, values: str, link) -> Timeline:
    """Bars for the first series of `trend` (`facets.TrendResults`); `link(from, to)` makes a bar's href."""
    series = trend.series[0] if trend.series else None
    periods = trend.periods
    if series is None or not periods:
        return Timeline([], [], series.undated if series else 0)
    heights = [s or 0.0 for s in series.shares] if values == "share" else [float(c) for c in series.counts]
    top = max(heights) or 1.0
    slot = WIDTH / len(periods)
    gap = min(2.0, slot * 0.2)
    room = HEIGHT - AXIS
    bars = []
    for i, (period, count, share, h) in enumerate(zip(periods, series.counts, series.shares, heights)):
        tall = room * h / top
        if count and tall < 1.5:
            tall = 1.5  # a period with hits stays visible
        start, end = period_range(period)
        bars.append(Bar(period, count, share, round(i * slot + gap / 2, 2), round(room - tall, 2),
                        round(max(slot - gap, 0.5), 2), round(tall, 2), link(start, end)))
    every = max(1, round(len(periods) / 8))
    labels = [(round(i * slot + slot / 2, 2), p) for i, p in enumerate(periods) if i % every == 0]
    return Timeline(bars, labels, series.undated)
