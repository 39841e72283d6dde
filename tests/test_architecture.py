"""The rings and their direction (../shared/style.md), checked on every run: a wrong import fails CI."""

import ast
from pathlib import Path

from importlinter.cli import lint_imports

from tests.conftest import ROOT

OWN = ("domain", "models", "adapters", "services", "flows", "welcome_center", "tools")


def test_import_linter_contracts_are_kept():
    """pyproject.toml [tool.importlinter]: domain <- models <- adapters <- services <- flows <-
    welcome_center; domain imports no database, file, Prefect or web library; only flows/ and the
    composition root import Prefect."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _local_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, the line's text) of each import of our own packages inside a function."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                if module.split(".")[0] in OWN:
                    found[node.lineno] = (node.lineno, module, lines[node.lineno - 1])
    return sorted(found.values())


def test_function_local_imports_of_our_packages_only_defer_a_heavy_library_and_say_which():
    """Imports sit at the top of a module; one inside a function must say what it defers
    ("# defers Prefect", "# defers FastAPI", …) on its line or the line before."""
    unexplained = []
    for package in OWN:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, module, text in _local_imports(path):
                before = lines[number - 2] if number >= 2 else ""
                if "defers" not in text and "defers" not in before:
                    unexplained.append(f"{path.relative_to(ROOT)}:{number} {module}")
    assert not unexplained, "function-local imports without a reason:\n" + "\n".join(unexplained)


def test_the_look_ups_import_neither_alembic_prefect_fastapi_nor_docxtpl(tmp_path):
    """`route`, `deadline`, `bodies`, `professions` answer at once: the command line loads a command's
    module only when it is called, and the look-ups need neither the database's migrations, the flows,
    the web framework nor the letter renderer."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from welcome_center.cli import app\n"
        "heavy = ('alembic', 'prefect', 'fastapi', 'docxtpl')\n"
        "for args in (['route', 'Krankenschwester', '--district', 'verden'], ['deadline', 'decision', '--from', '2026-03-02'],\n"
        "             ['bodies'], ['professions', '--search', 'pflege']):\n"
        "    try:\n"
        "        app(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('LOADED', json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    env = {**os.environ, "WELCOME_CENTER_HOME": str(tmp_path), "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED "))
    assert json.loads(line.removeprefix("LOADED ")) == [], result.stderr[-2000:]
