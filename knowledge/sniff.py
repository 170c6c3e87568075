"""Is this file what its name says? A quick look at its first bytes before it is parsed, so that random bytes
named `.md`, an image renamed `.pdf` or an old `.doc` renamed `.docx` are refused with a message naming the file,
instead of being indexed as garbage or failing deep inside a parser. Also the size limit."""

from __future__ import annotations

from pathlib import Path

from knowledge.types import LoadError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SNIFF_BYTES = 8192

# Formats people attach by mistake, by their first bytes.
SIGNATURES = (
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a zip archive (or a Word/Excel/PowerPoint file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc/.xls/.ppt)"), (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"), (b"MZ", "a Windows program"), (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"), (b"SQLite format 3", "a database file"),
)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
TEXT_CONTROLS = frozenset(b"\t\n\r\f\x0b\x1b")


class TooLarge(LoadError):
    """The file is over the ingest size limit."""


class NotWhatItsNameSays(LoadError):
    """The file's content does not match its extension (binary garbage named .md, not a real PDF…)."""


def megabytes(n: float) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def file_sha256(path: Path, block: int = 1024 * 1024) -> str:
    """The file's SHA-256, read a block at a time (an unchanged file is recognised without loading it)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def check_size(path: Path, name: str, max_bytes: int | None) -> int:
    """The file's size; TooLarge when it is over `max_bytes` (checked without reading the file)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{name}: cannot be read ({exc.strerror or exc}).") from exc
    refuse_size(name, size, max_bytes)
    return size


def refuse_size(name: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise TooLarge(f"{name}: the file is {megabytes(size)}, more than the {megabytes(max_bytes)} limit. Split it "
                       "into smaller documents, or raise the limit with `pse-bot ingest --max-size MB` "
                       "(or PSE_MAX_INGEST_MB).")


def _looks_like(head: bytes) -> str:
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            return what
    return ""


def _binary_text(head: bytes) -> bool:
    """True when these first bytes of a supposed text file are not text in any encoding the loaders read."""
    if head.startswith(UTF16_BOMS):
        return False
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
            return False  # a character cut in two by the end of the sample
    odd = sum(1 for b in head if (b < 32 and b not in TEXT_CONTROLS) or b in CP1252_UNDEFINED or b == 0x7f)
    return odd > max(2, len(head) // 100)  # legacy (cp1252) text has next to none of these


def sniff(kind: str, head: bytes, name: str) -> None:
    """Refuse content that is not `kind` (markdown, text, html, pdf, docx), judged from its first bytes."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind == "pdf":
        if b"%PDF-" not in head[:1024]:
            what = _looks_like(stripped)
            raise NotWhatItsNameSays(f"{name}: this is not a PDF file{' (it looks like ' + what + ')' if what else ''}: "
                                     "PDF files start with '%PDF'. Export the document to PDF again, or add it in "
                                     "its own format (.docx, .md, .txt, .html).")
        return
    if kind == "docx":
        if not head.startswith(b"PK\x03\x04"):
            what = _looks_like(stripped)
            hint = (" Open it in Word and save it as .docx." if what.startswith("an old Office")
                    else " Save it from Word as a .docx document.")
            raise NotWhatItsNameSays(f"{name}: this is not a Word .docx file"
                                     f"{' (it looks like ' + what + ')' if what else ''}.{hint}")
        return
    what = _looks_like(stripped)
    if what or _binary_text(head):
        label = {"markdown": "markdown", "html": "HTML"}.get(kind, "plain text")
        raise NotWhatItsNameSays(f"{name}: this is not {label} but binary data"
                                 f"{' (it looks like ' + what + ')' if what else ''}. Check that you picked the "
                                 "right file; rename it to its real type if it is a PDF or Word document.")
