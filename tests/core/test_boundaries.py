"""The core never imports Django, and `import nof1` stays light.

Only nof1.web may import Django. Each check runs in a fresh interpreter, because this test
process may already have loaded anything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nof1

PACKAGE = Path(nof1.__file__).resolve().parent
CORE = ["nof1.data", "nof1.results", "nof1.exceptions", "nof1.analysis.single",
        "nof1.analysis.series", "nof1.analysis.simulate", "nof1.analysis.permutation"]

# Imports every module of nof1 outside nof1.web (found on disk, so new modules are included
# without editing this test) and reports which were imported and which heavy packages loaded.
IMPORT_CORE = """
import importlib, json, pkgutil, sys
import nof1

def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name == "nof1.web" or info.name.startswith("nof1.web."):
            continue
        module = importlib.import_module(info.name)
        yield info.name
        if info.ispkg:
            yield from walk(module)

names = list(walk(nof1))
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def loaded_after(code: str) -> dict[str, list[str]]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def top_level(modules: list[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_importing_nof1_loads_neither_django_nor_the_numerical_stack():
    found = loaded_after("import json, sys, nof1\n"
                         "print(json.dumps({'loaded': sorted(sys.modules)}))")
    heavy = top_level(found["loaded"]) & {"django", "scipy", "pandas", "pyarrow", "matplotlib"}
    assert not heavy, f"`import nof1` loads {sorted(heavy)}: keep nof1/__init__.py light"


def test_every_core_module_imports_without_loading_django():
    found = loaded_after(IMPORT_CORE)
    assert set(CORE) <= set(found["modules"]), "the walk over nof1 missed core modules"
    assert "django" not in top_level(found["loaded"]), (
        "a core module imports Django; only nof1.web may: " + ", ".join(found["modules"]))


def test_importing_the_cli_loads_neither_django_nor_matplotlib():
    found = loaded_after("import json, sys, nof1.cli\n"
                         "print(json.dumps({'loaded': sorted(sys.modules)}))")
    assert not top_level(found["loaded"]) & {"django", "matplotlib"}


def test_no_core_source_file_imports_django_even_inside_a_function():
    """The runtime checks miss imports made only when a function runs; the source does not."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "web" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(name == "django" or name.startswith("django.") for name in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"only nof1.web may import Django; found in {offenders}"
