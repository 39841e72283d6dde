"""Count the imports of our own packages made inside functions (issue 11's figure), and list them.

    python bench/local_imports.py [DIR]     # DIR: a checkout, default: this one

Tests, bench, migrations and the virtual environment are left out; a relative import inside a function
counts too. Prints one line per import, then the count."""
import ast, sys, pathlib
root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
own = {"domain", "models", "adapters", "services", "flows", "welcome_center", "tools"}
seen = set()
for path in root.rglob("*.py"):
    if any(p in (".venv", "tests", "migrations", "bench") for p in path.relative_to(root).parts):
        continue
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module and sub.module.split(".")[0] in own:
                    seen.add((str(path.relative_to(root)), sub.lineno, sub.module))
                elif isinstance(sub, ast.ImportFrom) and sub.level > 0:
                    seen.add((str(path.relative_to(root)), sub.lineno, "." * sub.level + (sub.module or "")))
                elif isinstance(sub, ast.Import):
                    for a in sub.names:
                        if a.name.split(".")[0] in own:
                            seen.add((str(path.relative_to(root)), sub.lineno, a.name))
for place in sorted(seen):
    print(*place)
print("function-local imports of own packages:", len(seen))
