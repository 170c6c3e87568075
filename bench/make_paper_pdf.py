"""Build tests/data/real_docs/ctip-pse-learning-paper.pdf from the plain-text copy of the reference paper.

    pip install fpdf2 && python bench/make_paper_pdf.py

The PDF is laid out like a real report (bold headings in larger type, justified body text, a running header and
page numbers on every page), so the PDF path of the loaders meets the furniture it must drop and the broken
lines it must mend. The output is committed; tests only read it (fpdf2 is not needed to run them).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "tests" / "data" / "ctip-pse-learning-paper.txt"
OUT = ROOT / "tests" / "data" / "real_docs" / "ctip-pse-learning-paper.pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

H1 = {"INTRODUCTION", "LEARNINGS", "NEXT STEPS", "CONCLUSION", "LEARNINGS AT A GLANCE:", "KEY RECOMMENDATIONS:"}
H2_PREFIX = ("Learning #", "WORK STREAM", "Develop a strategy", "Hire dedicated PSE staff",
             "Develop a comprehensive PSE training", "Improve communication on available",
             "Conduct research into and evaluations", "THE CTIP PROJECTS HAVE TO AVOID", "PROJECT STAFF HAVE TO NAVIGATE")


CONTINUATIONS = {"uncertain funding", "of PSE", "useful for showing impact", "PARTNERS"}


def blocks(text: str) -> list[tuple[str, str]]:
    """(kind, text) in reading order: kind is h1, h2, bullet or p. Lines are joined into paragraphs."""
    out: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(("p", " ".join(para)))
            para.clear()

    lines = [ln.strip() for ln in text.split("\n")]
    i = 0
    while i < len(lines):
        s = lines[i]
        i += 1
        if not s or re.fullmatch(r"\d{1,2}", s):
            flush()
            continue
        if s == "OVERVIEW OF PSE":  # the heading is broken over three lines in the text copy
            flush()
            out.append(("h1", "OVERVIEW OF PSE PROGRAMMING FOR CTIP"))
            i += 2
            continue
        if s in H1:
            flush()
            out.append(("h1", s.rstrip(":")))
            continue
        if s.startswith(H2_PREFIX):
            flush()
            head = s
            while i < len(lines) and lines[i] and (lines[i] in CONTINUATIONS or head.endswith(
                    ("objectives", "PSE,", "(and possibly ethical)", "TERM", "HOW TO", "ARISE WITH", "not always",
                     "because of"))):
                head += " " + lines[i]
                i += 1
            out.append(("h2", head))
            continue
        if s.startswith("•") or re.match(r"^\d\. [A-Z]", s):
            flush()
            para.append(s.replace("•", "-"))
            continue
        para.append(s)
    flush()
    return out


def build() -> None:
    from fpdf import FPDF

    class Paper(FPDF):
        def header(self) -> None:
            self.set_font("Body", "", 8)
            self.cell(0, 6, "USAID Asia CTIP Learning Paper Series | Private Sector Engagement", align="R")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("Body", "", 8)
            self.cell(0, 8, str(self.page_no()), align="C")

    pdf = Paper(format="A4")
    pdf.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Private Sector Engagement in Counter Trafficking in Persons Projects: A Learning Paper")
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    pdf.set_font("Body", "B", 18)
    pdf.multi_cell(0, 9, "Private Sector Engagement in CTIP Projects: A Learning Paper")
    pdf.ln(4)
    for kind, text in blocks(SRC.read_text(encoding="utf-8")):
        if kind == "h1":
            pdf.ln(3)
            pdf.set_font("Body", "B", 14)
            pdf.multi_cell(0, 7, text)
            pdf.ln(1)
        elif kind == "h2":
            pdf.ln(2)
            pdf.set_font("Body", "B", 11.5)
            pdf.multi_cell(0, 6, text)
            pdf.ln(1)
        else:
            pdf.set_font("Body", "", 10)
            pdf.multi_cell(0, 5, text, align="J")
            pdf.ln(2)
    pdf.output(str(OUT))
    print(f"wrote {OUT} ({pdf.page_no()} pages)")


if __name__ == "__main__":
    build()
