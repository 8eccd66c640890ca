"""The command-line sessions of the documentation pages show real output.

Every ``$ lrschedules-jax check|show|plot ...`` block of docs/ is run in a directory holding a
copy of the repository's ``examples/``, as a reader would from a checkout, and its output
(stdout and stderr in the order a terminal shows them) is compared with the page. docs/cli.md
runs in a copy of ``tests/data/``, where it says its files are; only its ``plot`` sessions are
run here (tests/test_cli_doc.py reruns its ``check`` and ``show``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))
CLI_PAGE = ROOT / "docs" / "cli.md"
RUNNABLE = ("check", "show", "plot")


def sessions() -> list[tuple[str, list[str], str]]:
    """``(id, args, expected output)`` of every runnable command of the pages."""
    found = []
    for page in PAGES:
        runnable = ("plot",) if page == CLI_PAGE else RUNNABLE
        text = page.read_text()
        for block in re.findall(r"^```\n(\$ .*?)^```$", text, flags=re.S | re.M):
            for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, output = part.partition("\n")
                words = shlex.split(command)
                if words[0] != "lrschedules-jax" or words[1] not in runnable or "|" in words:
                    continue
                found.append((f"{page.relative_to(ROOT)}: {command}", words[1:], output))
    return found


SESSIONS = sessions()


def test_the_pages_have_sessions():
    assert any(i.startswith("docs/quickstart/deepmd.md") for i, _, _ in SESSIONS)
    assert any(i.startswith("docs/cli.md: lrschedules-jax plot") for i, _, _ in SESSIONS)


@pytest.mark.parametrize(
    ("args", "expected"), [s[1:] for s in SESSIONS], ids=[s[0] for s in SESSIONS]
)
def test_session_output_is_real(args, expected, tmp_path, request):
    if request.node.callspec.id.startswith("docs/cli.md"):
        shutil.copytree(ROOT / "tests" / "data", tmp_path, dirs_exist_ok=True)
    else:
        shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg", COLUMNS="100")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "lrschedules_jax", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout == expected
    if args[0] == "plot":
        out = args[args.index("-o") + 1] if "-o" in args else "lr_schedule.png"
        assert (tmp_path / out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
