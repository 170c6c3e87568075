"""The digest chart: indicator progress against the yearly target, and partners by pipeline stage, as a PNG.

Made to be read in a channel on a high-density screen: 1440 × 840 px (7.2 × 4.2 in at 200 dpi, shown at
720 × 420 on a 2× screen). Each indicator gets its own row and its own axis, scaled to its target (a bullet
chart): the bar is the actual value, a black tick the yearly target, and a grey diamond where the indicator
should be by now (the target times the share of the fiscal year elapsed; the USAID year starts on 1 October).
A bar at or past that marker is on track (blue), short of it behind (orange): the Okabe-Ito pair, told apart
also by the words "on track" / "behind" next to each bar, so colour is never the only cue.

Uses matplotlib's Agg canvas directly (no pyplot, no global figure state), so it is safe in a scheduler thread
and builds nothing at import. The file is named after a hash of its bytes, so the same data gives the same file.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import math
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

WIDTH_IN, HEIGHT_IN, DPI = 7.2, 4.2, 200
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000"}
ON_TRACK, BEHIND = OKABE_ITO["blue"], OKABE_ITO["orange"]
STREAM_COLOURS = {"innovation": OKABE_ITO["bluish_green"], "survivor_employment": OKABE_ITO["reddish_purple"]}
EXPECTED_COLOUR, TEXT, GRID = "#555555", "#222222", "#DDDDDD"
MAX_ROWS = 10  # indicator rows drawn; more are summarised in one line under the chart


@dataclass(frozen=True)
class StageCount:
    stream: str
    label: str
    count: int


@dataclass(frozen=True)
class Progress:
    label: str
    actual: float
    target: float
    cumulative: bool = True  # counts that grow through the year; a rate (percent) is judged against the target


@dataclass(frozen=True)
class BarLayout:
    """Where one indicator row's bar, target and 'expected by now' marker go, in the indicator's own units."""
    label: str
    actual: float
    target: float
    axis_max: float
    expected: float | None  # None for a rate, or when the year's elapsed share is unknown
    on_track: bool


def fy_elapsed(today: date) -> float:
    """Share of the USAID fiscal year (1 October – 30 September) elapsed by the end of `today`, 0 < x ≤ 1."""
    start = date(today.year if today.month >= 10 else today.year - 1, 10, 1)
    days = (date(start.year + 1, 10, 1) - start).days
    return ((today - start).days + 1) / days


def week_range(first: date, last: date) -> str:
    """A date range people read: '30 Nov – 6 Dec 2026', '1 – 7 Dec 2026', '28 Dec 2026 – 3 Jan 2027'."""
    def day_month(d: date) -> str:
        return f"{d.day} {calendar.month_abbr[d.month]}"
    if first.year != last.year:
        return f"{day_month(first)} {first.year} – {day_month(last)} {last.year}"
    if first.month != last.month:
        return f"{day_month(first)} – {day_month(last)} {last.year}"
    return f"{first.day} – {day_month(last)} {last.year}"


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is at least x."""
    if x <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(x))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= x - 1e-9:
            return step * exp
    return 10 * exp


def layout(progress: list[Progress], elapsed: float | None) -> list[BarLayout]:
    """Pure arithmetic behind the indicator panel (tested without reading pixels)."""
    out = []
    for p in progress:
        expected = p.target * elapsed if (p.cumulative and elapsed is not None) else None
        bar_end = max(p.target, p.actual, 0.0)
        axis_max = _nice_ceiling(bar_end * 1.08) if bar_end > 0 else 1.0
        threshold = expected if expected is not None else p.target
        out.append(BarLayout(p.label, p.actual, p.target, axis_max, expected, p.actual >= threshold))
    return out


def render_png(stages: list[StageCount], progress: list[Progress], title: str,
               elapsed: float | None = None, subtitle: str = "") -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.text(0.02, 0.965, title, fontsize=11, fontweight="bold", color=TEXT, va="top")
    if subtitle:
        fig.text(0.02, 0.905, subtitle, fontsize=7, color=EXPECTED_COLOUR, va="top")
    outer = fig.add_gridspec(1, 2, width_ratios=[1.55, 1], left=0.02, right=0.98, top=0.80, bottom=0.13,
                             wspace=0.42)
    _indicators(fig, outer[0], layout(progress, elapsed)[:MAX_ROWS], len(progress), elapsed)
    _pipeline(fig.add_subplot(outer[1]), stages)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _indicators(fig, cell, bars: list[BarLayout], total: int, elapsed: float | None) -> None:
    if not bars:
        ax = fig.add_subplot(cell)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No targets set for this fiscal year\n(admins: `target set …`)", ha="center",
                va="center", fontsize=8, color=EXPECTED_COLOUR, transform=ax.transAxes)
        return
    rows = cell.subgridspec(len(bars), 1, hspace=0.9)
    for i, b in enumerate(bars):
        ax = fig.add_subplot(rows[i])
        colour = ON_TRACK if b.on_track else BEHIND
        ax.barh([0], [b.actual], height=0.8, color=colour)
        ax.plot([b.target, b.target], [-0.6, 0.6], color=OKABE_ITO["black"], linewidth=1.6)
        if b.expected is not None:
            ax.plot([b.expected], [0.0], marker="D", markersize=4.5, color="white",
                    markeredgecolor=EXPECTED_COLOUR, markeredgewidth=1.2, linestyle="none")
        ax.set_xlim(0, b.axis_max)
        ax.set_ylim(-0.7, 0.7)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=5.5, length=2, pad=1, colors=EXPECTED_COLOUR)
        ax.xaxis.set_major_locator(_locator())
        ax.xaxis.set_major_formatter(_formatter())
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(GRID)
        ax.set_facecolor("#F4F4F4")
        status = "on track" if b.on_track else "behind"
        ax.set_title(b.label, fontsize=7, loc="left", pad=2, color=TEXT)
        ax.text(1.0, 1.0, f"{_num(b.actual)} of {_num(b.target)} · {status}", fontsize=6.5, ha="right",
                va="bottom", color=TEXT, fontweight="bold", transform=ax.transAxes)
    if total > len(bars):
        fig.text(0.02, 0.02, f"+{total - len(bars)} more indicators in `report`", fontsize=6, color=EXPECTED_COLOUR)
    legend = "Bar: actual, fiscal year to date   |  target"
    if elapsed is not None:
        legend += f"   ◇ expected by now ({elapsed:.0%} of the year gone)"
    fig.text(0.02, 0.055, legend, fontsize=6, color=EXPECTED_COLOUR)


def _pipeline(ax, stages: list[StageCount]) -> None:
    ax.set_title("Partners by stage", fontsize=8, loc="left", color=TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not stages:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No partners yet", ha="center", va="center", fontsize=8, color=EXPECTED_COLOUR,
                transform=ax.transAxes)
        return
    labels = [s.label for s in stages][::-1]
    counts = [s.count for s in stages][::-1]
    colours = [STREAM_COLOURS.get(s.stream, "#777777") for s in stages][::-1]
    ys = list(range(len(stages)))
    ax.barh(ys, counts, color=colours, height=0.7)
    ax.set_yticks(ys, labels, fontsize=5.5, color=TEXT)
    ax.tick_params(axis="both", length=2, pad=1.5)
    ax.tick_params(axis="x", labelsize=5.5, colors=EXPECTED_COLOUR)
    for y, n in zip(ys, counts):
        if n:
            ax.text(n, y, f" {n}", va="center", fontsize=5.5, color=TEXT)
    top = max(max(counts), 1)
    ax.set_xlim(0, top * 1.2)
    ax.xaxis.set_major_locator(_locator(integer=True))
    ax.set_ylim(-0.6, len(stages) - 0.4)
    handles = [ax.bar([0], [0], color=c, label=k.replace("_", " ")) for k, c in STREAM_COLOURS.items()]
    ax.legend(handles=handles, fontsize=5.5, loc="upper right", bbox_to_anchor=(1.0, -0.06), ncol=2, frameon=False,
              handlelength=1, borderaxespad=0.2, columnspacing=1)


def _locator(integer: bool = False):
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(nbins=3, integer=integer, min_n_ticks=2)


def _formatter():
    from matplotlib.ticker import FuncFormatter
    return FuncFormatter(lambda x, _pos: _num(x))


def save_chart(directory: Path, stages: list[StageCount], progress: list[Progress], title: str,
               prefix: str = "digest", elapsed: float | None = None, subtitle: str = "") -> Path:
    data = render_png(stages, progress, title, elapsed=elapsed, subtitle=subtitle)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.png"
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def _num(x: float) -> str:
    """Compact numbers for small text: 7, 2.5, 1,200, 45k, 1.2M."""
    ax = abs(x)
    if ax >= 1_000_000:
        return f"{x / 1_000_000:.1f}M".replace(".0M", "M")
    if ax >= 10_000:
        return f"{x / 1000:.0f}k"
    if ax >= 10 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.1f}"
