"""Every ```python block of README.md and docs/ runs as written, and says what it prints.

- A block runs alone: with its own imports, in fresh globals, from an empty directory. The
  blocks of one page run one after the other in one fresh process: a child forked, for each
  page, from a process that has imported JAX, optax and the package and done nothing else
  (no JAX backend, no thread), so the imports are paid once per test worker, not per page.
- A block preceded by the line ``<!-- fragment -->`` is a piece of a larger program: it is only
  compiled.
- Every ``print(...)`` of a block that runs ends its line with a comment saying what it prints:
  ``print(x)  # 0.5``. The comment must match each printed text (whitespace runs are equal to
  any whitespace; ``...`` stands for any text, newlines included). Explanations go on their own
  comment line.

Run one page by hand: ``python tests/test_docs_blocks.py docs/cli.md`` (prints a JSON report).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
import traceback
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FRAGMENT = "<!-- fragment -->"
BLOCK = re.compile(r"^```python\n(.*?)^```$", flags=re.S | re.M)
RECORDER = "__doc_print__"


def blocks(page: Path) -> list[tuple[int, str, bool]]:
    """``(line, code, is_fragment)`` of every python block of a page."""
    text = page.read_text()
    found = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip().splitlines()
        fragment = bool(before) and before[-1].strip() == FRAGMENT
        found.append((line, match.group(1), fragment))
    return found


def pages_with_blocks() -> list[Path]:
    return [p for p in PAGES if blocks(p)]


# ---- the runner (in the child process) ------------------------------------------------------


def comments(code: str) -> dict[int, str]:
    """``{line: comment text}`` of a block (line numbers from 1)."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].strip()
    return found


class _Prints(ast.NodeTransformer):
    """``print(...)`` -> ``__doc_print__(<line of its end>, ...)``."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            line = node.end_lineno or node.lineno
            self.lines.append(line)
            node.func = ast.Name(RECORDER, ast.Load())
            node.args.insert(0, ast.Constant(line))
        return node


def run_block(code: str) -> dict:
    """Run one block in fresh globals and an empty directory; what each print printed."""
    tree = ast.parse(code)
    prints = _Prints()
    tree = ast.fix_missing_locations(prints.visit(tree))
    printed: dict[int, list[str]] = {line: [] for line in prints.lines}

    def record(line: int, *args: object, sep: str | None = " ", end: str | None = "\n", **kw):
        buffer = io.StringIO()
        print(*args, sep=sep, end=end, file=buffer)
        printed[line].append(buffer.getvalue())
        sys.stdout.write(buffer.getvalue())

    # A fresh __main__ module, as `python -c` gives (pydantic and dataclasses look classes'
    # modules up in sys.modules), and no __future__ import of this file (dont_inherit).
    main = types.ModuleType("__main__")
    main.__dict__[RECORDER] = record
    saved_main = sys.modules["__main__"]
    error = None
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        sys.modules["__main__"] = main
        try:
            exec(compile(tree, "<block>", "exec", dont_inherit=True), main.__dict__)
        except BaseException:  # a block that raises, or calls sys.exit
            error = traceback.format_exc(limit=-8)
        finally:
            sys.modules["__main__"] = saved_main
            os.chdir(cwd)
    notes = comments(code)
    return {
        "error": error,
        "prints": [
            {"line": line, "comment": notes.get(line), "outputs": printed[line]}
            for line in sorted(printed)
        ],
    }


def run_page(page: Path) -> list[dict]:
    report = []
    for line, code, fragment in blocks(page):
        entry = {"line": line, "fragment": fragment}
        if fragment:
            compile(code, "<block>", "exec")
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                entry.update(run_block(code))
        report.append(entry)
    return report


# ---- the checks (in the test process) -------------------------------------------------------


def pattern(comment: str) -> re.Pattern[str]:
    parts = []
    for i, piece in enumerate(comment.split("...")):
        if i:
            parts.append(r".*?")
        words = piece.split()
        literal = r"\s+".join(re.escape(w) for w in words)
        if piece[:1].isspace() and words:
            literal = r"\s*" + literal
        if piece[-1:].isspace() and words:
            literal += r"\s*"
        parts.append(literal)
    return re.compile("".join(parts), flags=re.S)


def problems_of(report: list[dict]) -> list[str]:
    found = []
    for block in report:
        where = f"block at line {block['line']}"
        if block.get("error"):
            found.append(f"{where} raised:\n{block['error']}")
            continue
        for p in block.get("prints", ()):
            if not p["comment"]:
                found.append(
                    f"{where}: the print on its line {p['line']} has no `# output` comment"
                )
                continue
            for out in p["outputs"]:
                if not pattern(p["comment"]).fullmatch(out.strip()):
                    found.append(
                        f"{where}, line {p['line']}: prints {out.strip()!r}, "
                        f"the comment says {p['comment']!r}"
                    )
    return found


class PageRunner:
    """The test side of ``serve``: one server per test worker, a fresh process per page."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["MPLBACKEND"] = "Agg"
        self.tmp = tempfile.TemporaryDirectory()
        self.server = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            cwd=self.tmp.name,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, page: Path) -> list[dict]:
        out = Path(self.tmp.name) / f"{page.stem}.json"
        self.server.stdin.write(f"{page}\t{out}\n")
        self.server.stdin.flush()
        status = self.server.stdout.readline().strip()
        log = Path(f"{out}.log")
        assert status == "0", f"exit status {status!r}:\n" + (
            log.read_text()[-3000:] if log.exists() else ""
        )
        return json.loads(out.read_text())

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=60)
        self.server.stdout.close()
        self.tmp.cleanup()


def serve(timeout: float = 900.0) -> None:
    """Read ``page<TAB>report`` lines; run each page in a forked child, which writes its report
    (its output and errors go to ``report.log``); answer each line with the child's exit
    status (``timeout`` seconds at most per page)."""
    import jax  # noqa: F401  (imported once, before the fork: the backend starts in the child)
    import matplotlib.pyplot  # noqa: F401
    import optax  # noqa: F401

    import lrschedules_jax  # noqa: F401

    for line in sys.stdin:
        page, report = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:  # the child: a fresh process for one page
            code = 1
            try:
                log = os.open(f"{report}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.chdir(tempfile.mkdtemp())
                Path(report).write_text(json.dumps(run_page(Path(page))))
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = time.monotonic() + timeout
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            print("timeout", flush=True)
        else:
            print(os.waitstatus_to_exitcode(done[1]), flush=True)


@pytest.fixture(scope="module")
def pages():
    runner = PageRunner()
    yield runner
    runner.close()


# ---- the tests ----------------------------------------------------------------------------


def test_the_pages_have_blocks():
    pages = {str(p.relative_to(ROOT)) for p in pages_with_blocks()}
    assert {"README.md", "docs/scale.md", "docs/index.md"} <= pages
    assert sum(len(blocks(p)) for p in PAGES) >= 20


@pytest.mark.parametrize("page", pages_with_blocks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_page_blocks_run_and_print_what_they_say(page, pages):
    report = pages.run(page)
    assert len(report) == len(blocks(page))
    problems = problems_of(report)
    assert not problems, f"{page.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_the_output_comparison_can_fail():
    assert pattern("0.95 0.85 0.95").fullmatch("0.95 0.85 0.95")
    assert not pattern("0.95 0.85 0.95").fullmatch("0.949999988079071 0.85 0.95")
    assert pattern("learning_rate.decay_step: ... did you mean `decay_steps`?").fullmatch(
        "learning_rate.decay_step: `decay_step` is not a key; did you mean `decay_steps`?"
    )
    assert pattern("... got 1.0.").fullmatch("Invalid (1 problem):\n  - b1.stop_value: got 1.0.")
    assert not pattern("... got 1.0.").fullmatch("got 1.0. and more")
    report = [{"line": 1, "prints": [{"line": 2, "comment": None, "outputs": ["1\n"]}]}]
    assert problems_of(report)  # a print without a comment is a problem


def test_every_page_uses_the_lrs_alias():
    for page in PAGES:
        assert "import lrschedules_jax as lr\n" not in page.read_text(), page


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    serve()
elif __name__ == "__main__":
    page_path, report_path = Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "-")
    report = run_page(page_path.resolve())
    text = json.dumps(report, indent=1)
    if str(report_path) == "-":
        print(text)
    else:
        report_path.write_text(text)
