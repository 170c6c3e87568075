"""The digest chart: partners by pipeline stage, and indicator progress against the yearly target, as a PNG.

Uses matplotlib's Agg canvas directly (no pyplot, no global figure state), so it is safe in a scheduler thread
and builds nothing at import. The file is named after a hash of its bytes, so the same data gives the same file.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

WIDTH_IN, HEIGHT_IN, DPI = 11.0, 5.5, 100
STREAM_COLOURS = {"innovation": "#2E6F9E", "survivor_employment": "#C2691E"}


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


def render_png(stages: list[StageCount], progress: list[Progress], title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1], "wspace": 0.75})

    # Pipeline: one bar per stage, both streams, top to bottom in pipeline order.
    if stages:
        labels = [s.label for s in stages][::-1]
        counts = [s.count for s in stages][::-1]
        colours = [STREAM_COLOURS.get(s.stream, "#777777") for s in stages][::-1]
        ys = range(len(stages))
        left.barh(list(ys), counts, color=colours)
        left.set_yticks(list(ys), labels, fontsize=8)
        for y, n in zip(ys, counts):
            left.text(n, y, f" {n}", va="center", fontsize=8)
        left.set_xlim(0, max(max(counts), 1) * 1.2)
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles = [left.bar([0], [0], color=c, label=k.replace("_", " ")) for k, c in STREAM_COLOURS.items()]
        left.legend(handles=handles, fontsize=7, loc="lower right", frameon=False)
    else:
        left.text(0.5, 0.5, "No partners yet", ha="center", va="center", transform=left.transAxes)
        left.set_yticks([])
    left.set_title("Partners by stage", fontsize=10)
    left.set_xlabel("partners", fontsize=8)

    # Indicators: share of the yearly target reached so far, capped on screen at 150 %.
    if progress:
        labels = [p.label for p in progress][::-1]
        shares = [(p.actual / p.target * 100 if p.target else 100.0) for p in progress][::-1]
        shown = [min(s, 150.0) for s in shares]
        ys = range(len(progress))
        right.barh(list(ys), shown, height=0.6, color=["#3C8D5A" if s >= 100 else "#8AA9C9" for s in shares])
        right.axvline(100, color="#333333", linewidth=1, linestyle="--")
        right.set_yticks(list(ys), labels, fontsize=8)
        for y, p, s in zip(ys, progress[::-1], shown):
            right.text(s, y, f" {_num(p.actual)}/{_num(p.target)}", va="center", fontsize=8)
        right.set_xlim(0, 175)
        right.set_ylim(-0.6, max(len(progress), 6) - 0.4)
    else:
        right.text(0.5, 0.5, "No targets set for this year", ha="center", va="center", transform=right.transAxes)
        right.set_yticks([])
    right.set_title("Fiscal year to date, % of target", fontsize=10)
    right.set_xlabel("% of yearly target", fontsize=8)

    fig.subplots_adjust(left=0.2, right=0.97, top=0.85, bottom=0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def save_chart(directory: Path, stages: list[StageCount], progress: list[Progress], title: str,
               prefix: str = "digest") -> Path:
    data = render_png(stages, progress, title)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.png"
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 or x == int(x) else f"{x:.1f}"
