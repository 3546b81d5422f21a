"""Small PNG charts for the digest, drawn with matplotlib's Agg backend (no display, no SVG).

Each chart is drawn for 420 CSS pixels of width at twice the density, so it is crisp on a
phone (and on a wide screen that stretches it a little) and small on the wire (10–30 kB).
A chart never carries information its alt text and the table next to it do not also
give: mail apps that block images lose nothing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from jobs.emails import clean

WIDTH_PX = 420  # drawn narrow so its text stays legible when a phone shrinks it
DPI = 200  # twice the 100 dpi the figure size is counted in
INK = "#1f2933"
MUTED = "#9aa5b1"
THIS_WEEK = "#0b57d0"
LAST_WEEK = "#c3cfe2"
_LABEL_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart: the PNG, its alt text and its display size in CSS pixels."""

    name: str
    title: str  # shown as the heading above the image, not drawn in it
    png: bytes
    alt: str
    width: int
    height: int


def label(text: str) -> str:
    """A name made safe for matplotlib: cleaned, capped, and ``$`` not read as maths."""
    return clean(text, _LABEL_LIMIT).replace("$", r"\$")


def _figure(height_px: int) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_PX / 100, height_px / 100), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=10, length=0)
    return fig, ax


def _png(fig: Figure, name: str, title: str, alt: str, height_px: int) -> Chart:
    buf = io.BytesIO()
    # No metadata: the same numbers give the same bytes (idempotent re-renders).
    fig.savefig(buf, format="png", metadata={"Software": None}, pil_kwargs={"optimize": True})
    return Chart(name, title, buf.getvalue(), alt, WIDTH_PX, height_px)


def _pct(v: float | None) -> float:
    return 0.0 if v is None else 100.0 * v


def paired_bars(
    name: str,
    title: str,
    labels: Sequence[str],
    this_week: Sequence[float | None],
    last_week: Sequence[float | None],
    *,
    alt: str,
) -> Chart:
    """Vertical bars per label (percentages): this week in colour, last week in grey.

    ``title`` is for the email's heading above the image; the image has none of its own.
    """
    height = 220
    fig, ax = _figure(height)
    xs = list(range(len(labels)))
    w = 0.38
    ax.bar(
        [x - w / 2 for x in xs], [_pct(v) for v in last_week], w, color=LAST_WEEK, label="Last week"
    )
    bars = ax.bar(
        [x + w / 2 for x in xs], [_pct(v) for v in this_week], w, color=THIS_WEEK, label="This week"
    )
    for bar, v in zip(bars, this_week, strict=True):
        if v is not None:
            ax.annotate(
                f"{_pct(v):.0f}%",
                (bar.get_x() + w / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
                color=INK,
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_xticks(xs, [s.replace("$", r"\$") for s in labels])  # our own words
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
    ax.legend(fontsize=9, frameon=False, loc="lower left", ncols=2, bbox_to_anchor=(0, 1.0))
    lines = max((s.count("\n") + 1 for s in labels), default=1)
    fig.subplots_adjust(left=0.13, right=0.99, top=0.83, bottom=0.06 + 0.07 * lines)
    return _png(fig, name, title, alt, height)


def ranked_bars(
    name: str, title: str, labels: Sequence[str], values: Sequence[float | None], *, alt: str
) -> Chart:
    """Horizontal bars (percentages), one per label, top to bottom in the order given."""
    rows = max(len(labels), 1)
    height = max(120, 40 + 30 * rows)
    fig, ax = _figure(height)
    ys = list(range(rows))[::-1][: len(labels)]
    ax.barh(ys, [_pct(v) for v in values], 0.6, color=THIS_WEEK)
    for y, v in zip(ys, values, strict=True):
        text = "no data" if v is None else f"{_pct(v):.0f}%"
        ax.annotate(
            text,
            (_pct(v), y),
            va="center",
            fontsize=8,
            color=INK,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.set_yticks(ys, [label(s) for s in labels])
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 50, 100], ["0%", "50%", "100%"])
    fig.subplots_adjust(left=0.44, right=0.97, top=1 - 8 / height, bottom=28 / height)
    return _png(fig, name, title, alt, height)
