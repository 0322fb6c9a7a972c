"""The architecture's contracts: the core knows no platform, and the package installs whole."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "adapters")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_no_platform_library() -> None:
    offenders = {}
    for path in (ROOT / "chatops").rglob("*.py"):
        if path.name == "cli.py":  # the composition root starts the adapters it is asked for
            continue
        bad = _imports(path) & set(PLATFORM_LIBRARIES)
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_importing_the_core_loads_no_platform_library() -> None:
    code = (
        "import sys, pkgutil, importlib, chatops\n"
        "for m in pkgutil.iter_modules(chatops.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('chatops.' + m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {PLATFORM_LIBRARIES!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_built_wheel_works_from_any_directory(tmp_path: Path) -> None:
    """``pip install .`` (not editable) must carry the protocol data with it."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    target = tmp_path / "site"
    wheel = next(wheels.glob("chatops-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    for key in [k for k in env if k.startswith("CHATOPS_")]:
        del env[key]
    code = "import chatops; print(chatops.__file__)"
    where = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert where.stdout.startswith(str(target))
    for council in ("llangunnor", "telford-and-wrekin"):
        result = subprocess.run(
            [sys.executable, "-m", "chatops", "command", "expectations officer", "--council", council],
            capture_output=True,
            text=True,
            cwd=elsewhere,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert "can expect from" in result.stdout
    console = subprocess.run(
        [sys.executable, "-m", "chatops", "console"],
        input="/protocol about\n",
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert "Minute: 0202-6" in console.stdout
    package = subprocess.run(
        [
            sys.executable,
            "-m",
            "chatops",
            "manifest",
            "teams",
            "--out",
            "teams.zip",
            "--app-id",
            "00000000-1111-2222-3333-444444444444",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert package.returncode == 0 and (elsewhere / "teams.zip").stat().st_size > 500, package.stderr


CORE_INTERNALS = {
    "chatops.model",
    "chatops.lookup",
    "chatops.search",
    "chatops.vocabulary",
    "chatops.concerns",
    "chatops.loading",
    "chatops.councils",
}


def test_adapters_hold_no_protocol_knowledge() -> None:
    """Adapters convert: they may use the Bot, Reply, wording and settings, never the protocol's internals."""
    offenders = {}
    for path in (ROOT / "adapters").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        used = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        used |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        if used & CORE_INTERNALS:
            offenders[str(path.relative_to(ROOT))] = used & CORE_INTERNALS
    assert offenders == {}
