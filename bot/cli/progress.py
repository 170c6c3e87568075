"""Progress bars for long `pse-bot` commands (ingest, export, db migrate-from-sqlite): tqdm on standard error,
shown only when standard error is a terminal, so pipes, logs and CI output stay clean."""

from __future__ import annotations

import sys
from typing import IO


def progress_bar(total: int | None, desc: str, unit: str, stream: IO[str] | None = None):
    """A tqdm bar for `total` steps; disabled (it prints nothing) when `stream` is not a terminal or there is
    nothing to do. Use as a context manager; `bar.update(n)` after each step, `note(bar, text)` for a line."""
    from tqdm import tqdm

    stream = stream if stream is not None else sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    return tqdm(total=total, desc=desc, unit=unit, file=stream, disable=not tty or not total,
                dynamic_ncols=True, leave=True)


def note(bar, text: str) -> None:
    """Print a line to the bar's stream without breaking the bar (plain print when the bar is off)."""
    if bar.disable:
        print(text, file=sys.stderr)
    else:
        bar.write(text, file=bar.fp)
