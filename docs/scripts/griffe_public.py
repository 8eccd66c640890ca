"""A griffe extension for the API reference of lrschedules_jax (used by mkdocstrings).

Two things static analysis cannot see or render, fixed after the package is loaded:

- **Names made at import time.** The type classes and their keyword-only builders
  (``lrs.Exp``, ``lrs.exp``...) come from the type registry, and the config models
  (``lrschedules_jax.config.ExpConfig``...) are generated from the types' declarations: static
  analysis sees none of them. Every public name that the source does not define is added: a
  function with its runtime signature and docstring, a class as an alias of its definition (or,
  for a generated model, a class with its runtime docstring).
- **Sphinx roles in docstrings.** ``:func:`~lrschedules_jax.stack``` and the like become
  mkdocstrings cross-references when they name a public object (a name of
  ``lrschedules_jax.__all__`` or of a documented submodule, or a public member of one), and
  plain code otherwise (private helpers, other libraries).
- **``.. math::`` blocks** become MathML, converted from their LaTeX when the site is built
  (``latex2mathml``): browsers render it without a script.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

PACKAGE = "lrschedules_jax"
#: The submodules users import, each documented on a page of its own (gen_pages.py reads this
#: list): add a module here, e.g. "optax", and it gets its page and its cross-references.
SUBMODULES = ("config", "extend", "optax", "hf", "torch", "timm")

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj|const):`(~?)([^`]+)`")
_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
    inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
    inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword,
}


def public_modules() -> dict[str, Any]:
    """``{dotted name: module}`` of the package and its documented submodules."""
    found = {PACKAGE: importlib.import_module(PACKAGE)}
    for name in SUBMODULES:
        found[f"{PACKAGE}.{name}"] = importlib.import_module(f"{PACKAGE}.{name}")
    return found


def public_paths() -> dict[int, str]:
    """``{id(runtime object): its documented path}``; the package's own names first."""
    paths: dict[int, str] = {}
    for module_name, module in public_modules().items():
        for name in getattr(module, "__all__", ()):
            paths.setdefault(id(getattr(module, name)), f"{module_name}.{name}")
    return paths


def _annotation(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _function_from_runtime(name: str, obj: Any, parent: griffe.Object) -> griffe.Function:
    signature = inspect.signature(obj)
    parameters = griffe.Parameters(
        *(
            griffe.Parameter(
                p.name,
                annotation=_annotation(p.annotation),
                kind=_KINDS[p.kind],
                default=None if p.default is inspect.Parameter.empty else repr(p.default),
            )
            for p in signature.parameters.values()
        )
    )
    function = griffe.Function(
        name,
        parameters=parameters,
        returns=_annotation(signature.return_annotation),
        parent=parent,  # type: ignore[arg-type]
    )
    function.docstring = griffe.Docstring(inspect.getdoc(obj) or "", parent=function)
    return function


class PublicAPI(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.path != PACKAGE:
            return
        self._runtime_functions(pkg)
        paths = public_paths()
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _math(_roles(obj.docstring.value, obj, paths))

    def _runtime_functions(self, pkg: griffe.Module) -> None:
        for module_name, module in public_modules().items():
            for name in getattr(module, "__all__", ()):
                obj = getattr(module, name)
                static = _static(pkg, f"{module_name}.{name}")
                if static is None:  # made at import time (from the registry)
                    home = pkg if module_name == PACKAGE else _static(pkg, module_name)
                    if isinstance(home, griffe.Module):
                        home.set_member(name, _runtime_member(name, obj, home, pkg))
                    continue
                if not inspect.isfunction(obj) or static.kind is not griffe.Kind.ATTRIBUTE:
                    continue
                home = static.parent
                home.set_member(static.name, _function_from_runtime(static.name, obj, home))


def _runtime_member(name: str, obj: Any, home: griffe.Module, pkg: griffe.Module) -> Any:
    """A griffe object for a public name the source does not define."""
    if inspect.isfunction(obj):
        return _function_from_runtime(name, obj, home)
    target = f"{obj.__module__}.{obj.__qualname__}"
    if inspect.isclass(obj) and _static(pkg, target) is not None:
        return griffe.Alias(name, target, parent=home)
    made = griffe.Class(name, parent=home)
    made.docstring = griffe.Docstring(inspect.getdoc(obj) or "", parent=made)
    return made


def _static(pkg: griffe.Module, path: str) -> griffe.Object | None:
    """The object a dotted path names in the loaded package, following aliases."""
    try:
        obj: Any = pkg[path.removeprefix(f"{PACKAGE}.")]
    except KeyError:
        return None
    seen = 0
    while isinstance(obj, griffe.Alias) and seen < 10:
        seen += 1
        try:
            obj = pkg[obj.target_path.removeprefix(f"{PACKAGE}.")]
        except KeyError:
            return None
    return obj


def _walk(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if not isinstance(member, griffe.Alias):
            yield from _walk(member)


def _resolve(target: str, context: griffe.Object) -> Any:
    """The runtime object a role's target names, tried as absolute, then relative to the
    docstring's module and to the package; None if nothing is found."""
    module_path = context.module.path if hasattr(context, "module") else PACKAGE
    for base in ("", f"{module_path}.", f"{PACKAGE}."):
        parts = f"{base}{target}".split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return obj
    return None


def _public_path(target: str, context: griffe.Object, paths: dict[int, str]) -> str | None:
    """The documented path of a role's target (a public member of a documented object
    included), or None."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        head = _resolve(".".join(parts[:cut]), context)
        if head is None or id(head) not in paths:
            continue
        rest = parts[cut:]
        if any(p.startswith("_") and p != "__call__" for p in rest):
            return None
        obj = head
        for attr in rest:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return ".".join([paths[id(head)], *rest])
    return None


def _roles(text: str, context: griffe.Object, paths: dict[int, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2).strip()
        shown = target.rsplit(".", 1)[-1] if short else target
        path = _public_path(target, context, paths)
        return f"[`{shown}`][{path}]" if path else f"`{shown}`"

    return ROLE.sub(replace, text)


#: A ``.. math::`` directive and its indented LaTeX (blank lines inside allowed).
MATH = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n((?:\1[ \t]+\S.*\n|[ \t]*\n)+)", re.M)


def _math(text: str) -> str:
    from latex2mathml.converter import convert

    def replace(match: re.Match[str]) -> str:
        indent, tex = match.group(1), inspect.cleandoc(match.group(2))
        mathml = convert(" ".join(tex.split()), display="block")
        return f'{indent}<div class="math">{mathml}</div>\n\n'

    return MATH.sub(replace, text if text.endswith("\n") else text + "\n")
