"""The generated pages of the site (run by mkdocs-gen-files at every build).

- ``api/``: a page for every name of ``lrschedules_jax.__all__`` (a type's builder and its
  schedule class share one), one per documented submodule (``SUBMODULES`` of
  ``griffe_public.py``), the command line's ``--help`` texts, an overview, and the navigation
  (``api/SUMMARY.md``);
- ``gallery.md``: the curve of every registered ``learning_rate`` type, drawn now;
- ``deepmd-kit/``, ``coming-from-optax/``, ``coming-from-hf/``, ``torch/``, ``timm/``: the
  figures of the pages for DeePMD-kit's, optax's, Hugging Face's, PyTorch's and timm's users;
- ``notebooks/``: the notebooks of ``notebooks/``, executed now (two at a time), with outputs;
- ``examples/``: the example input files, for download.

Nothing here names a public object by hand: a new name of ``__all__``, a new submodule in
``SUBMODULES`` or a new registered type gets its page or figure at the next build.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import mkdocs_gen_files

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from griffe_public import SUBMODULES  # noqa: E402  (the submodules with a page of their own)
from schema_tables import Tables, type_anchor  # noqa: E402

import lrschedules_jax as lrs  # noqa: E402

#: The notebooks are executed at build time; LRS_DOCS_NOTEBOOKS=0 renders them without outputs
#: (a quick local preview only: the published site is built with outputs).
EXECUTE_NOTEBOOKS = os.environ.get("LRS_DOCS_NOTEBOOKS", "1") != "0"
NOTEBOOK_TIMEOUT = 900  # seconds per cell

#: The gallery's run length (a type's example that needs more gets 1e5 or 1e6 steps).
GALLERY_NUM_STEPS = 10_000


# ---- helpers -------------------------------------------------------------------------------


def write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as f:
        f.write(text)


ROLE = re.compile(r":(?:py:)?[a-z]+:`~?([^`]+)`")


def summary_line(obj: Any) -> str:
    """The first paragraph of a docstring, on one line, Sphinx roles as code."""
    doc = inspect.getdoc(obj) or ""
    line = doc.strip().split("\n\n", 1)[0].replace("\n", " ")
    line = ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", line)
    return line.replace("``", "`").replace("|", "\\|")


def png(fig: Any, path: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    with mkdocs_gen_files.open(path, "wb") as f:
        f.write(buffer.getvalue())


def figure(*size: float) -> Any:
    """A matplotlib Figure without pyplot (no display, whatever MPLBACKEND says)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# ---- notebooks -----------------------------------------------------------------------------


def notebook_paths() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def execute_notebook(path: Path) -> str:
    """The notebook with its outputs, run in its own directory as the tests run it."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=NOTEBOOK_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel's own log (a warning about its TCP transport) stays out of the build's output;
    # a failing cell still raises, with its traceback, and a dead kernel too.
    client.execute(stderr=subprocess.DEVNULL)
    return nbformat.writes(nb)


@contextlib.contextmanager
def inline_figures() -> Iterator[None]:
    """Kernels draw inline (an MPLBACKEND such as Agg would leave the figures out)."""
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


def notebook_title(text: str, fallback: str) -> tuple[str, str]:
    """The notebook's first heading and the paragraph after it."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = "".join(cell["source"]).strip().split("\n\n")
        if lines and lines[0].startswith("# "):
            blurb = lines[1].replace("\n", " ") if len(lines) > 1 else ""
            return lines[0][2:].strip(), blurb
    return fallback, ""


def write_notebooks(results: dict[Path, Future[str] | str]) -> None:
    rows, nav = [], []
    for path, result in results.items():
        text = result.result() if isinstance(result, Future) else result
        write(f"notebooks/{path.name}", text)
        title, blurb = notebook_title(text, path.stem)
        nav.append(f"* [{title}]({path.name})")
        rows.append(f"| [{title}]({path.name}) | {blurb.replace('|', '/')} |")
    write(
        "notebooks/index.md",
        "# Notebooks\n\n"
        "The notebooks of the repository's `notebooks/` directory, run when this site was "
        "built: the outputs below are what they print and draw with this version. "
        '`pip install -e ".[notebooks]"` and `jupyter lab notebooks/` run them locally.\n\n'
        "| notebook | what it shows |\n| --- | --- |\n" + "\n".join(rows) + "\n",
    )
    write("notebooks/SUMMARY.md", "* [Overview](index.md)\n" + "\n".join(nav) + "\n")


# ---- API reference -------------------------------------------------------------------------


def kind_of(name: str, obj: Any, builders: dict[str, type]) -> str:
    if name in builders or (isinstance(obj, type) and issubclass(obj, lrs.Schedule)):
        return SCHEDULES
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return "Errors and warnings"
    if isinstance(obj, type):
        return "Other classes"
    return "Functions"


SCHEDULES = "Schedules: the types' builders and classes"
CATEGORIES = ("Functions", SCHEDULES, "Other classes", "Errors and warnings")


def builder_classes() -> dict[str, type]:
    """``{builder name: the schedule class it returns}`` for the public type builders."""
    types = lrs.config.config_types()
    found = {}
    for name in lrs.__all__:
        obj = getattr(lrs, name)
        if name in types and callable(obj) and not isinstance(obj, type):
            returned = inspect.signature(obj).return_annotation
            if isinstance(returned, type) and issubclass(returned, lrs.Schedule):
                found[name] = returned
    return found


def api_pages() -> None:
    names = list(lrs.__all__)
    builders = builder_classes()
    paired = {cls.__name__: b for b, cls in builders.items() if cls.__name__ in names}
    pages: dict[str, list[str]] = {}  # page stem -> names documented there
    for name in names:
        stem = paired.get(name, name)
        reserved = {"index", "summary", "cli", *SUBMODULES}  # the other pages of api/
        stem = stem if stem.lower() not in reserved else f"{stem}_"
        pages.setdefault(stem.lower(), []).append(name)
    for members in pages.values():  # a type's builder first, then its class
        members.sort(key=lambda m: (m not in builders, m))

    categories: dict[str, list[tuple[str, str]]] = {c: [] for c in CATEGORIES}
    for stem, members in pages.items():
        title = " and ".join(f"lrs.{m}" for m in members)
        blocks = "\n\n".join(f"::: lrschedules_jax.{m}" for m in members)
        intro = ""
        builder = next((m for m in members if m in builders), None)
        if builder is not None:
            intro = (
                f"The `{builder}` type: the keyword-only builder `lrs.{builder}(...)` and the "
                f"schedule class it returns. Its keys: [configuration]"
                f"(../configuration.md#{type_anchor(builder)}); its curve: "
                f"[gallery](../gallery.md#{builder}).\n\n"
            )
        write(f"api/{stem}.md", f"# {title}\n\n{intro}{blocks}\n")
        first = getattr(lrs, members[0])
        kind = kind_of(members[0], first, builders)
        categories.setdefault(kind, []).append((stem, title))

    for module in SUBMODULES:
        submodule_page(module)

    overview = [
        "# API reference",
        "",
        "Every public name is importable from the package: `import lrschedules_jax as lrs`, "
        "then `lrs.stack(...)`. Each page below is generated from the docstrings. "
        "Submodules with pages of their own: "
        + ", ".join(f"[`lrschedules_jax.{m}`]({m}.md)" for m in SUBMODULES)
        + "; [the command line](cli.md) has one too.",
    ]
    nav = ["* [Overview](index.md)"]
    for category, entries in categories.items():
        if not entries:
            continue
        overview += ["", f"## {category}", "", "| name | summary |", "| --- | --- |"]
        nav.append(f"* {category}")
        for stem, title in entries:
            first = getattr(lrs, pages[stem][0])
            linked = " and ".join(f"[`lrs.{m}`]({stem}.md)" for m in pages[stem])
            overview.append(f"| {linked} | {summary_line(first)} |")
            nav.append(f"    * [{title}]({stem}.md)")
    nav.append("* Submodules")
    nav += [f"    * [lrschedules_jax.{m}]({m}.md)" for m in SUBMODULES]
    nav.append("* [Command line](cli.md)")
    write("api/index.md", "\n".join(overview) + "\n")
    write("api/SUMMARY.md", "\n".join(nav) + "\n")
    cli_page()


def submodule_page(module: str) -> None:
    mod = importlib.import_module(f"lrschedules_jax.{module}")
    exported = list(getattr(mod, "__all__", ()))
    top = {id(getattr(lrs, n)): n for n in lrs.__all__}
    shared = [n for n in exported if id(getattr(mod, n)) in top]
    own = [n for n in exported if n not in shared]
    lines = [f"# `lrschedules_jax.{module}`", ""]
    if shared:
        links = ", ".join(f"[`{n}`][lrschedules_jax.{top[id(getattr(mod, n))]}]" for n in shared)
        lines += [f"Also exported here (documented with the package): {links}.", ""]
    lines += [
        f"::: lrschedules_jax.{module}",
        "    options:",
        "      show_root_heading: false",
        "      members:",
        *[f"        - {n}" for n in own],
        "",
    ]
    write(f"api/{module}.md", "\n".join(lines))


def help_text(args: list[str]) -> str:
    from lrschedules_jax import cli

    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal width
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            cli.main([*args, "--help"])
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return out.getvalue().rstrip()


def cli_page() -> None:
    from lrschedules_jax import cli

    prog = getattr(cli, "PROG", "lrschedules-jax")
    parts = [
        "# Command line: `--help`",
        "",
        f"What `{prog} COMMAND --help` prints, generated when this site was built. The "
        "[command-line guide](../cli.md) shows each command at work.",
        "",
        f"## `{prog}`",
        "",
        "```text",
        help_text([]),
        "```",
    ]
    for command in cli.COMMANDS:
        parts += ["", f"## `{prog} {command}`", "", "```text", help_text([command]), "```"]
    write("api/cli.md", "\n".join(parts) + "\n")


# ---- gallery -------------------------------------------------------------------------------


def example_config(name: str, tables: Tables) -> tuple[dict[str, Any], int]:
    """The type's example from its JSON Schema entry (its declaration's ``example``); and a step
    count it validates with."""
    examples = tables.types[name].examples
    config = copy.deepcopy(examples[0]) if examples else None
    if config is None:
        raise ValueError(
            f"the type `{name}` has no example: add `examples` to its JSON Schema entry"
        )
    config.setdefault("type", name)
    problems = []
    for num_steps in (GALLERY_NUM_STEPS, 100_000, 1_000_000):
        try:
            lrs.validate(config, num_steps)
        except lrs.ConfigError as err:
            problems.append(str(err))
            continue
        return config, num_steps
    raise ValueError(f"the example of `{name}` does not validate: {problems[0]}")


def gallery(tables: Tables) -> None:
    names = list(tables.types)
    lines = [
        "# Gallery",
        "",
        f"Every registered `learning_rate` type ({len(names)} of them), drawn when this site was "
        "built by `lrs.plot_schedule` from the config shown under it: the curve runs 5 % past "
        "`num_steps`, dotted lines mark the phase boundaries. Each config is a "
        "`learning_rate` section: `lrs.make_schedule(config, num_steps)` builds it, "
        "`lrschedules-jax plot` draws it from an input file.",
        "",
        '<div class="grid" markdown>',
        "",
    ]
    for name in names:
        config, num_steps = example_config(name, tables)
        fig = figure(5.6, 2.8)
        ax = fig.add_subplot()
        # no legend (a label starting with _): the config is printed under the figure
        lrs.plot_schedule(config, num_steps, ax, label=f"_{name}")
        png(fig, f"gallery/{name}.png")
        links = [f"[keys](configuration.md#{type_anchor(name)})"]
        if name in lrs.__all__:
            links.append(f"[API](api/{name.lower()}.md)")
        ext = (
            " An extension: DeePMD-kit input files need `--extensions`."
            if tables.types[name].extension
            else ""
        )
        lines += [
            "<div markdown>",
            "",
            f"## `{name}` {{ #{name} }}",
            "",
            f"![The {name} schedule of the config below](gallery/{name}.png)",
            "",
            f"`num_steps = {num_steps:,}`; {', '.join(links)}.{ext}",
            "",
            "```json",
            json.dumps(config, indent=1),
            "```",
            "",
            "</div>",
            "",
        ]
    lines.append("</div>")
    write("gallery.md", "\n".join(lines) + "\n")


# ---- the DeePMD-kit page's figure ----------------------------------------------------------


def deepmd_exp_float64(section: dict[str, Any], num_steps: int, steps: Any) -> Any:
    """DeePMD-kit's ``exp`` schedule (``LearningRateExp`` of
    ``deepmd/dpmodel/utils/learning_rate.py``) in float64 NumPy, without warmup: the
    ``decay_steps`` replacement, the derived rate and the ``stop_lr`` floor."""
    import numpy as np

    start, stop = section["start_lr"], section["stop_lr"]
    decay_steps = section.get("decay_steps", 5000)
    if decay_steps >= num_steps:
        decay_steps = 100 if num_steps // 10 > 100 else num_steps // 100 + 1
    rate = np.exp(np.log(max(stop, 1e-10) / start) / (num_steps / decay_steps))
    values = start * rate ** (np.asarray(steps) // decay_steps)
    return np.maximum(values, stop)


def deepmd_figure() -> None:
    import numpy as np

    path = ROOT / "examples" / "water_se_e2_a.json"
    section, num_steps = lrs.load_input(path)
    schedule = lrs.make_schedule(section, num_steps)
    steps = np.unique(np.linspace(0, num_steps, 4001).astype(np.int64))
    ours = np.asarray(schedule(steps.astype(np.int32)), np.float64)
    theirs = deepmd_exp_float64(section, num_steps, steps)
    fig = figure(10, 3.4)
    left, right = fig.subplots(1, 2)
    left.semilogy(steps, theirs, color="0.6", lw=4, label="DeePMD-kit's formula (float64)")
    left.semilogy(steps, ours, color="C0", lw=1.2, label="lrschedules-jax (float32)")
    left.set(xlabel="step", ylabel="learning rate", title="examples/water_se_e2_a.json")
    left.legend(fontsize=8)
    right.plot(steps, np.abs(ours - theirs) / theirs, color="C3", lw=0.8)
    right.axhline(2e-6, color="0.5", ls=":", label="2e-6")
    right.set(xlabel="step", ylabel="relative difference", title="float32 against float64")
    right.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    right.legend(fontsize=8)
    png(fig, "deepmd-kit/water_se_e2_a.png")


# ---- the figures of the Coming from PyTorch / timm pages --------------------------------------

#: The recorded peer calls drawn on each page (tests/data/peers/, written by its record_*.py).
DIALECT_CASES = {
    "torch": [
        "torch/SequentialLR",
        "torch/CosineAnnealingLR-eta_min",
        "torch/OneCycleLR-linear-three",
        "torch/CyclicLR-triangular2",
        "torch/MultiStepLR-repeated",
    ],
    "timm": [
        "CosineLRScheduler/cycles",
        "CosineLRScheduler/warmup-prefix-false",
        "StepLRScheduler/warmup-no-prefix",
        "PolyLRScheduler/power2-lr_min",
        "WSDLRScheduler/decay-1-sqrt",
        "TanhLRScheduler/cycle_mul1.5-decay-warmup-prefix-false",
        "WSDLRScheduler/rsqrt-lr_min",
    ],
}


def dialect_schedule(peer: str, call: dict[str, Any]) -> Any:
    """The ``lrs.torch`` / ``lrs.timm`` schedule of a recorded call."""
    if peer == "timm":
        return getattr(lrs.timm, call["class"])(call["lr"], **call["kwargs"])
    kwargs = dict(call.get("kwargs", {}))
    lr = call.get("optimizer", {"lr": 1.0})["lr"]
    name = call["scheduler"]
    if name in ("SequentialLR", "ChainedScheduler"):
        inner = [{**c, "optimizer": call.get("optimizer")} for c in kwargs.pop("schedulers")]
        kwargs["schedulers"] = [dialect_schedule(peer, c) for c in inner]
        return getattr(lrs.torch, name)(**kwargs)
    if name in ("OneCycleLR", "CyclicLR"):
        return getattr(lrs.torch, name)(lr=lr, **kwargs)
    return getattr(lrs.torch, name)(lr, **kwargs)


def dialect_figure(peer: str) -> None:
    import gzip
    import json

    import numpy as np

    with gzip.open(ROOT / "tests" / "data" / "peers" / f"{peer}.json.gz", "rt") as f:
        data = json.load(f)
    cases = {c["id"]: c for c in data["cases"]}
    fig = figure(10, 3.6)
    left, right = fig.subplots(1, 2)
    for i, case_id in enumerate(DIALECT_CASES[peer]):
        row = cases[case_id]
        steps = np.asarray(row["steps"])
        keep = steps <= 2000
        if peer == "torch" and row["call"]["scheduler"] == "OneCycleLR":
            keep &= steps < row["call"]["kwargs"]["total_steps"]
        steps = steps[keep]
        theirs = np.asarray(row["values"], np.float64)[keep]
        schedule = dialect_schedule(peer, row["call"])
        dense = np.arange(0, int(steps.max()) + 1)
        color = f"C{i}"
        left.plot(
            dense,
            np.asarray(schedule(dense), np.float64),
            color=color,
            lw=1.2,
            label=case_id.split("/", 1)[1],
        )
        left.plot(steps, theirs, "o", color=color, ms=2.5, alpha=0.6)
        ours = np.asarray(schedule(steps), np.float64)
        # relative where the peer's rate is positive; where it is exactly 0, the difference
        differ = np.abs(ours - theirs) / np.where(theirs > 0, theirs, 1.0)
        right.semilogy(steps, np.maximum(differ, 1e-12), ".", color=color, ms=3)
    left.set(
        xlabel="step",
        ylabel="learning rate",
        title=f"{data['peer']} {data['version'].split('+')[0]} (dots) and lrs.{peer}",
    )
    left.legend(fontsize=7)
    right.axhline(2e-6, color="0.5", ls=":", label="2e-6")
    right.set(
        xlabel="step",
        ylabel="relative difference (1e-12 = equal)",
        title="float32 against the recorded float64",
    )
    right.legend(fontsize=8)
    png(fig, f"{peer}/schedulers.png")


# ---- the "Coming from optax" and "Coming from Hugging Face" figures ------------------------


def side_by_side(steps: Any, peer: Any, ours: Any, labels: tuple[str, str], title: str) -> Any:
    """A peer's curve (float64) under ours (float32), and their relative difference."""
    import numpy as np

    fig = figure(10, 3.4)
    left, right = fig.subplots(1, 2)
    left.semilogy(steps, peer, color="0.6", lw=4, label=labels[0])
    left.semilogy(steps, ours, color="C0", lw=1.2, label=labels[1])
    left.set(xlabel="step", ylabel="learning rate", title=title)
    left.legend(fontsize=8)
    keep = peer > 0
    right.semilogy(steps[keep], np.abs(ours[keep] - peer[keep]) / peer[keep] + 1e-12, color="C0",
                   lw=0.8, label=labels[1])  # fmt: skip
    right.axhline(2e-6, color="0.5", ls=":", label="2e-6")
    right.set(xlabel="step", ylabel="relative difference (+1e-12)", title="against float64")
    right.legend(fontsize=8)
    return fig, right


def optax_figure() -> None:
    """optax's polynomial_schedule(power=0.5): its formula in float64, optax's own jitted float32
    and lrs.optax's, from optax installed at build time (a dependency of the package)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    init, end, power, length = 0.1, 1e-4, 0.5, 10_000
    steps = np.arange(0, length + 1)
    formula = (init - end) * (1 - steps / length) ** power + end  # optax's, in float64
    ours = np.asarray(
        lrs.optax.polynomial_schedule(init, end, power, length)(steps.astype(np.int32)), np.float64
    )
    theirs = optax.polynomial_schedule(init, end, power, length)
    with jax.numpy_dtype_promotion("standard"):
        f32 = np.asarray(jax.jit(jax.vmap(theirs))(jnp.asarray(steps, jnp.int32)), np.float64)
    title = "polynomial_schedule(0.1, 1e-4, power=0.5, 10000)"
    fig, right = side_by_side(
        steps, formula, ours, ("optax's formula (float64)", "lrs.optax (float32)"), title
    )
    keep = formula > 0
    right.semilogy(steps[keep], np.abs(f32[keep] - formula[keep]) / formula[keep] + 1e-12,
                   color="C1", lw=0.8, label="optax (float32, jit)")  # fmt: skip
    right.legend(fontsize=8)
    png(fig, "coming-from-optax/polynomial.png")


def hf_figure() -> None:
    """Hugging Face's warmup_stable_decay with min_lr_ratio 0, recorded from transformers
    (tests/data/peers/hf.json.gz), against lrs.hf.get_scheduler."""
    import gzip

    import numpy as np

    with gzip.open(ROOT / "tests" / "data" / "peers" / "hf.json.gz", "rt") as f:
        data = json.load(f)
    head = f"transformers {data['version']}"
    row = next(c for c in data["cases"] if c["id"] == "wsd/3/cosine/1-sqrt")
    call = row["call"]
    schedule = lrs.hf.get_scheduler(
        call["name"],
        call["lr"],
        num_warmup_steps=call["num_warmup_steps"],
        num_training_steps=call["num_training_steps"],
        scheduler_specific_kwargs=call["scheduler_specific_kwargs"],
    )
    steps = np.asarray(row["steps"], np.int64)
    steps = steps[steps <= call["num_training_steps"]]
    peer = call["lr"] * np.asarray(row["values"], np.float64)[: len(steps)]
    ours = np.asarray(schedule(steps.astype(np.int32)), np.float64)
    kw = call["scheduler_specific_kwargs"]
    title = (
        f"warmup_stable_decay, {kw['warmup_type']} warmup, {kw['decay_type']} decay, "
        f"min_lr_ratio {kw['min_lr_ratio']}"
    )
    fig, _ = side_by_side(
        steps, peer, ours, (f"{head}, LambdaLR (float64)", "lrs.hf (float32)"), title
    )
    png(fig, "coming-from-hf/wsd.png")


# ---- main ----------------------------------------------------------------------------------


def copy_examples() -> None:
    for path in sorted((ROOT / "examples").iterdir()):
        if path.is_file():
            with mkdocs_gen_files.open(f"examples/{path.name}", "wb") as f:
                f.write(path.read_bytes())


def main() -> None:
    paths = notebook_paths()
    results: dict[Path, Future[str] | str] = {}
    with inline_figures(), ThreadPoolExecutor(max_workers=2) as pool:
        for path in paths:
            results[path] = (
                pool.submit(execute_notebook, path) if EXECUTE_NOTEBOOKS else path.read_text()
            )
        # while the notebooks run: the pages that need this process only
        tables = Tables(lrs.json_schema())
        api_pages()
        gallery(tables)
        deepmd_figure()
        optax_figure()
        hf_figure()
        dialect_figure("torch")
        dialect_figure("timm")
        copy_examples()
        write_notebooks(results)


main()
