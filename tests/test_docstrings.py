"""Every public name in `binance_async` has a docstring (the generated `rest/api` excepted).

Public: a module-level function or class, or a method / property of a public class, whose name
does not start with ``_``. Property setters (``@x.setter``) share their getter's docstring.
"""

from __future__ import annotations

import ast
from pathlib import Path

import binance_async

PACKAGE = Path(binance_async.__file__).resolve().parent
GENERATED = PACKAGE / "rest" / "api"

_Def = ast.FunctionDef | ast.AsyncFunctionDef


def _is_setter(node: ast.AST) -> bool:
    return isinstance(node, _Def) and any(
        isinstance(d, ast.Attribute) and d.attr == "setter" for d in node.decorator_list
    )


def _missing(node: ast.AST, path: Path, prefix: str, out: list[str]) -> None:
    for n in ast.iter_child_nodes(node):
        if not isinstance(n, _Def | ast.ClassDef) or n.name.startswith("_"):
            continue
        if not ast.get_docstring(n) and not _is_setter(n):
            out.append(f"{path.relative_to(PACKAGE.parent)}:{n.lineno} {prefix}{n.name}")
        if isinstance(n, ast.ClassDef):
            _missing(n, path, f"{prefix}{n.name}.", out)


def undocumented() -> list[str]:
    """``path:line Qualified.name`` of every public name without a docstring."""
    out: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if GENERATED in path.parents:
            continue
        _missing(ast.parse(path.read_text(encoding="utf-8")), path, "", out)
    return out


def test_scan_sees_the_package() -> None:
    files = [p for p in PACKAGE.rglob("*.py") if GENERATED not in p.parents]
    assert len(files) > 50
    assert (PACKAGE / "sim" / "engine.py") in files


def test_every_public_name_has_a_docstring() -> None:
    missing = undocumented()
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)
