"""Which files an ingest reads, from the files and folders a user names."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from knowledge.loaders import is_supported, supported_types


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
    """Files to ingest from files and folders (recursively, hidden files skipped, sorted).

    Returns (files, errors, skipped): a path that does not exist, or a named file of an unsupported type, is an
    error; a file of an unsupported type found inside a folder is only skipped."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    skipped: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if is_supported(f):
                    if f.resolve() not in seen:
                        seen.add(f.resolve())
                        files.append(f)
                else:
                    skipped.append(str(f.resolve()))
        elif p.is_file():
            if not is_supported(p):
                errors.append((str(p.resolve()), f"unsupported file type '{p.suffix or '(none)'}'. "
                                                 f"Supported types: {supported_types()}."))
            elif p.resolve() not in seen:
                seen.add(p.resolve())
                files.append(p)
        else:
            errors.append((str(raw), "no such file or folder."))
    return files, errors, skipped
