import struct

from indicators.chart import DPI, HEIGHT_IN, WIDTH_IN, Progress, StageCount, render_png, save_chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


STAGES = [StageCount("innovation", "Landscape assessment", 3), StageCount("innovation", "Agreement signed", 1),
          StageCount("survivor_employment", "Private-sector mapping", 2)]
PROGRESS = [Progress("Partnerships developed", 2, 6), Progress("Survivors placed", 9, 8)]


def test_chart_is_a_valid_png_of_the_expected_size():
    data = render_png(STAGES, PROGRESS, "PSE digest · test")
    assert png_size(data) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    assert data.endswith(b"IEND\xaeB`\x82")
    assert len(data) > 10_000


def test_chart_bytes_change_with_the_data_and_only_then():
    a = render_png(STAGES, PROGRESS, "t")
    assert render_png(STAGES, PROGRESS, "t") == a  # deterministic
    more = STAGES[:2] + [StageCount("survivor_employment", "Private-sector mapping", 3)]
    assert render_png(more, PROGRESS, "t") != a
    assert render_png(STAGES, [Progress("Partnerships developed", 3, 6), PROGRESS[1]], "t") != a


def test_empty_chart_still_renders():
    assert png_size(render_png([], [], "nothing yet")) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))


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
