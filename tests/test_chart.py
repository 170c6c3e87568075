import io
from datetime import date

import pytest
from PIL import Image

from indicators.chart import (BEHIND, DPI, HEIGHT_IN, ON_TRACK, OKABE_ITO, WIDTH_IN, Progress, StageCount,
                              fy_elapsed, layout, render_png, save_chart, week_range)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        return im.size


STAGES = [StageCount("innovation", "Landscape assessment", 3), StageCount("innovation", "Agreement signed", 1),
          StageCount("survivor_employment", "Private-sector mapping", 2)]
PROGRESS = [Progress("Partnerships developed", 2, 6), Progress("Survivors placed", 9, 8)]


def test_chart_is_wide_enough_for_a_high_density_screen():
    data = render_png(STAGES, PROGRESS, "PSE digest · test", elapsed=0.5)
    w, h = png_size(data)
    assert (w, h) == (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))
    assert w >= 1200 and DPI >= 200  # 600+ CSS px wide at 2x
    assert data.endswith(b"IEND\xaeB`\x82") and len(data) > 20_000


def test_on_track_and_behind_use_the_okabe_ito_blue_and_orange():
    assert ON_TRACK == OKABE_ITO["blue"] and BEHIND == OKABE_ITO["orange"]
    behind = render_png([], [Progress("Partnerships developed", 1, 10)], "t", elapsed=0.5)
    ahead = render_png([], [Progress("Partnerships developed", 9, 10)], "t", elapsed=0.5)

    def has(data: bytes, hex_colour: str) -> bool:
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        with Image.open(io.BytesIO(data)) as im:
            return any(c == rgb for _, c in im.convert("RGB").getcolors(maxcolors=1 << 20))

    assert has(behind, BEHIND) and not has(behind, ON_TRACK)
    assert has(ahead, ON_TRACK) and not has(ahead, BEHIND)


def test_each_indicator_axis_follows_its_target_not_a_fixed_scale():
    small, big, over = layout([Progress("a", 2, 6), Progress("b", 200, 600), Progress("c", 30, 8)], elapsed=0.5)
    assert 6 < small.axis_max <= 8
    assert big.axis_max == pytest.approx(small.axis_max * 100)
    assert over.axis_max >= 30  # an indicator past its target still fits on its axis
    for b in (small, big, over):
        assert b.axis_max >= max(b.target, b.actual)


def test_expected_marker_is_the_target_times_the_share_of_the_fiscal_year_elapsed():
    a, = layout([Progress("Partnerships developed", 2, 6)], elapsed=0.25)
    assert a.expected == pytest.approx(1.5) and a.on_track
    b, = layout([Progress("Partnerships developed", 2, 6)], elapsed=0.5)
    assert b.expected == pytest.approx(3.0) and not b.on_track
    rate, = layout([Progress("Active 12 months after signing", 70, 75, cumulative=False)], elapsed=0.5)
    assert rate.expected is None and not rate.on_track  # a rate is judged against the target itself
    unknown, = layout([Progress("x", 1, 6)], elapsed=None)
    assert unknown.expected is None and not unknown.on_track


@pytest.mark.parametrize("day, share", [
    (date(2026, 10, 1), 1 / 365), (date(2027, 3, 31), 182 / 365), (date(2027, 9, 30), 1.0),
    (date(2024, 9, 30), 1.0), (date(2023, 10, 1), 1 / 366),  # FY2024 has 29 Feb
])
def test_fiscal_year_elapsed_starts_on_1_october(day, share):
    assert fy_elapsed(day) == pytest.approx(share)


@pytest.mark.parametrize("first, last, text", [
    (date(2026, 11, 30), date(2026, 12, 6), "30 Nov – 6 Dec 2026"),
    (date(2026, 12, 1), date(2026, 12, 7), "1 – 7 Dec 2026"),
    (date(2026, 12, 28), date(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"),
])
def test_week_titles_are_date_ranges_people_read(first, last, text):
    assert week_range(first, last) == text


def test_chart_bytes_change_with_the_data_and_only_then():
    a = render_png(STAGES, PROGRESS, "t", elapsed=0.4)
    assert render_png(STAGES, PROGRESS, "t", elapsed=0.4) == a  # deterministic
    more = STAGES[:2] + [StageCount("survivor_employment", "Private-sector mapping", 3)]
    assert render_png(more, PROGRESS, "t", elapsed=0.4) != a
    assert render_png(STAGES, [Progress("Partnerships developed", 3, 6), PROGRESS[1]], "t", elapsed=0.4) != a
    assert render_png(STAGES, PROGRESS, "t", elapsed=0.6) != a  # the marker moves with the year


def test_empty_and_crowded_charts_still_render():
    assert png_size(render_png([], [], "nothing yet")) == (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))
    many = [Progress(f"Indicator {i}", i, 10 * (i + 1)) for i in range(14)]
    stages = [StageCount("innovation", f"Stage {i}", i) for i in range(15)]
    assert png_size(render_png(stages, many, "crowded", elapsed=0.9))[0] >= 1200


def test_saved_file_is_named_by_content(tmp_path):
    p1 = save_chart(tmp_path / "charts", STAGES, PROGRESS, "t")
    p2 = save_chart(tmp_path / "charts", STAGES, PROGRESS, "t")
    p3 = save_chart(tmp_path / "charts", STAGES[:1], PROGRESS, "t")
    assert p1 == p2 != p3
    assert p1.read_bytes()[:8] == PNG_MAGIC and p1.suffix == ".png"
    assert sorted(x.name for x in (tmp_path / "charts").iterdir()) == sorted({p1.name, p3.name})


def test_importing_chart_builds_nothing():
    import subprocess
    import sys

    code = "import sys, indicators.chart; print('matplotlib.pyplot' in sys.modules, 'matplotlib.figure' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
