"""The adapter layer's rules: platform SDKs only inside adapters/, no database handle or SQL in adapter modules
(Teams conversation references have their own repository), modules of one job under 400 lines, nothing built
at import time."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")
REPOSITORY = ROOT / "adapters" / "teams" / "conversations.py"
RENDERERS_BEING_REWRITTEN: set[Path] = set()  # none: every adapter module is within the limit
SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_platform_sdks_are_imported_only_by_adapters():
    offenders = [f"{p.relative_to(ROOT)}: {sorted(_imports(p) & set(SDKS))}"
                 for pkg in ("bot", "intents", "records", "indicators", "knowledge", "storage", "markup")
                 for p in _modules(pkg) if _imports(p) & set(SDKS)]
    assert offenders == []


def test_adapters_reach_the_database_only_through_repositories():
    offenders = []
    for path in _modules("adapters"):
        if path == REPOSITORY:
            continue
        text = path.read_text(encoding="utf-8")
        if ".db.conn" in text or "sqlite3" in _imports(path) or SQL.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_adapter_modules_stay_small():
    big = [f"{p.relative_to(ROOT)}: {n}" for p in _modules("adapters") if p not in RENDERERS_BEING_REWRITTEN
           for n in [len(p.read_text(encoding="utf-8").splitlines())] if n > 400]
    assert big == []


def test_what_both_platforms_need_is_written_once():
    common = {p.stem for p in _modules("adapters/common")}
    assert {"dedupe", "errors", "workers", "proactive", "chunking"} <= common
    for path in _modules("adapters/slack") + _modules("adapters/teams"):
        text = path.read_text(encoding="utf-8")
        assert "first_time(" not in text, path  # dedupe goes through adapters.common.dedupe
        assert "uuid.uuid4().hex[:8]" not in text, path  # reference ids come from adapters.common.errors
        assert "ThreadPoolExecutor" not in text, path  # intents run in adapters.common.workers


def test_importing_every_adapter_module_builds_nothing():
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in _modules("adapters")]
    code = ("import threading, sys, importlib\n"
            f"for n in {names!r}: importlib.import_module(n.removesuffix('.__init__'))\n"
            "assert threading.active_count() == 1, threading.enumerate()\n"
            "import asyncio\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_adapter_modules_import_in_this_process():
    for p in _modules("adapters"):
        importlib.import_module(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
