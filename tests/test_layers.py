"""The project's layers (.importlinter): applications (CLI, runner, queue, probe, demo) over
spiders over the crawl machinery over the archive over the parsers; no import runs up a
layer, no package's modules import each other in a circle, and the archive and parsers
import nothing of the crawl. Checked by the real import-linter over the real code."""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
from pathlib import Path

from conftest import ROOT

CONFIG = ROOT / ".importlinter"


def test_import_linter_keeps_every_contract() -> None:
    program = shutil.which("lint-imports", path=str(Path(ROOT / ".venv" / "bin"))) or shutil.which(
        "lint-imports"
    )
    assert program, "import-linter is missing: make test installs it (.[dev])"
    done = subprocess.run([program], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]


def layered_modules() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    layers = parser["importlinter:contract:layers"]["layers"]
    return {
        name.strip() for line in layers.splitlines() for name in line.split(":") if name.strip()
    }


def test_every_module_of_the_crawler_package_has_a_layer() -> None:
    """A new module of crawler/ cannot escape the contract by being left out of it."""
    crawler = ROOT / "crawler"
    modules = {
        f"crawler.{path.stem}" for path in crawler.glob("*.py") if path.stem != "__init__"
    } | {f"crawler.{path.parent.name}" for path in crawler.glob("*/__init__.py")}
    assert modules - layered_modules() == set()


def test_the_scheduler_never_imports_the_cli() -> None:
    """scheduler.py (a top-level module, which import-linter cannot root) sits under the
    CLI that starts it: it imports the runner, the queue and the archive, never the CLI."""
    tree = ast.parse((ROOT / "scheduler.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert {name for name in imported if name.startswith("crawler.cli")} == set()


def test_no_function_is_above_radons_grade_c() -> None:
    """Cyclomatic complexity as radon counts it (``and``/``or`` included, which ruff's
    McCabe check leaves out): at most 20 for every function of the project's code."""
    from radon.complexity import cc_rank, cc_visit

    def blocks(found: list) -> list:  # functions, classes, their methods and closures
        out = []
        for block in found:
            out.append(block)
            out += blocks(getattr(block, "methods", []) + getattr(block, "closures", []))
        return out

    paths = [ROOT / "scheduler.py"]
    for folder in ("archive", "crawler", "spiders", "parsers"):
        paths += sorted((ROOT / folder).rglob("*.py"))
    graded = [
        (path, block)
        for path in paths
        for block in blocks(cc_visit(path.read_text(encoding="utf-8")))
    ]
    too_complex = [
        f"{path.relative_to(ROOT)}:{block.lineno} {block.name} ({block.complexity})"
        for path, block in graded
        if cc_rank(block.complexity) not in "ABC"
    ]
    assert too_complex == []


def test_no_module_outside_the_tests_and_the_demo_passes_400_lines() -> None:
    """A module that long has taken on a second job (the README's habit: ask which)."""
    paths = [ROOT / "scheduler.py"]
    for folder in ("archive", "crawler", "spiders", "parsers"):
        paths += [p for p in (ROOT / folder).rglob("*.py") if "demo" not in p.parts]
    long = {
        str(path.relative_to(ROOT)): count
        for path in paths
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
