"""docs/cli.md shows real output: every ``$ lrschedules-jax check|show`` there is rerun here.

The commands run in ``tests/data`` (where docs/cli.md says its files are), with stdout and
stderr merged in the order a terminal shows them. ``$ echo $?`` lines check the exit status.
To regenerate a block: ``python tests/test_cli_doc.py show water_wsd.yaml --num-workers 4``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PAGE = ROOT / "docs" / "cli.md"
RUNNABLE = ("check", "show")


def render(args: list[str], stdin: str | None = None) -> tuple[str, int]:
    """The terminal output of ``lrschedules-jax ARGS`` run in tests/data, and its status."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "lrschedules_jax", *args],
        cwd=DATA,
        env=env,
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return result.stdout, result.returncode


def sessions() -> list[tuple[str, list[str], str | None, str, int | None]]:
    """``(id, args, stdin file, expected output, expected status)`` of every runnable command."""
    text = PAGE.read_text()
    found = []
    for block in re.findall(r"^```\n(\$ .*?)^```$", text, flags=re.S | re.M):
        parts = re.split(r"^\$ ", block, flags=re.M)[1:]
        for i, part in enumerate(parts):
            command, _, output = part.partition("\n")
            words = shlex.split(command)
            stdin = None
            if words[0] == "cat" and "|" in words:  # cat FILE | lrschedules-jax ...
                stdin, words = words[1], words[words.index("|") + 1 :]
            if words[0] != "lrschedules-jax" or words[1] not in RUNNABLE or "|" in words:
                continue
            status = None
            if i + 1 < len(parts) and parts[i + 1].startswith("echo $?"):
                status = int(parts[i + 1].split("\n")[1])
            found.append((command, words[1:], stdin, output, status))
    return found


SESSIONS = sessions()


def test_the_page_has_sessions():
    assert len(SESSIONS) >= 8


@pytest.mark.parametrize(
    ("args", "stdin", "output", "status"), [s[1:] for s in SESSIONS], ids=[s[0] for s in SESSIONS]
)
def test_cli_doc_output_is_real(args, stdin, output, status):
    text = (DATA / stdin).read_text() if stdin else None
    got, code = render(args, text)
    assert got == output
    if status is not None:
        assert code == status


if __name__ == "__main__":
    out, code = render(sys.argv[1:])
    print(out, end="")
    print(f"(exit status {code})", file=sys.stderr)
