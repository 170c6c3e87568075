"""Builders for test documents in formats we cannot store as readable fixtures (PDF, Word)."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, lines: list[str], title: str = "") -> Path:
    """A minimal valid one-page PDF with one text line per entry (Helvetica), optionally with a /Title."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    if title:
        objects.append(b"<< /Title (" + esc(title).encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R"
    if title:
        trailer += f" /Info {len(objects)} 0 R"
    out += (trailer + f" >>\nstartxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, title: str = "Onboarding a retail partner") -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=1)
    d.add_paragraph("This note explains how to bring a retail chain into the survivor employment programme.")
    d.add_heading("First contact", level=2)
    d.add_paragraph("Call the human resources lead and ask which store roles are hard to fill.")
    d.add_paragraph("Send the vacancy list to the case workers", style="List Bullet")
    d.add_paragraph("Agree a date for a store visit", style="List Bullet")
    d.add_heading("Training plan", level=3)
    d.add_paragraph("Candidates take a four-week customer service course before the first shift.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Week", "Topic"
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "Till and stock basics"
    d.save(str(path))
    return path


HTML_PAGE = """<!doctype html>
<html><head><title>Ethical recruitment briefing</title><style>body { color: red }</style>
<script>var tracking = "do not index me";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About us navigation link</a></nav>
<h1>Ethical recruitment briefing</h1>
<p>Recruitment agencies decide whether a worker starts a job in debt.</p>
<h2>Employer pays</h2>
<p>The employer, not the worker, should carry every recruitment fee and cost.</p>
<h3>Checking agencies</h3>
<ul><li>Ask for the fee schedule in writing.</li><li><p>Talk to recently placed workers.</p></li></ul>
<footer>Copyright footer text</footer>
</body></html>
"""
