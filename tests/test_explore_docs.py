"""The documentation site: every public function and class reachable from the API page, and the
maths rendered (by the vendored KaTeX) in the built site with no network, checked in headless
Chromium."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import econindex as ei

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# public modules beyond econindex._SUBMODULES whose names are public API
EXTRA_MODULES = ("explore", "trends", "io.frame")


# imported lazily by econindex, and heavy (PyMC): its names are read from the source instead
STATIC_MODULES = ("bayes",)


def _static_all(sub: str) -> list[str]:
    """``__all__`` of a submodule, read from its source without importing it."""
    path = ROOT / "econindex" / sub.replace(".", "/")
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return [str(ast.literal_eval(e)) for e in node.value.elts]  # type: ignore[attr-defined]
    return []


def _public_callables() -> dict[str, object]:
    """``{"module.name": object}`` for every public function and class (imported modules)."""
    out: dict[str, object] = {}
    for name, module in ei._API.items():
        if module.split(".")[1] not in STATIC_MODULES:
            out[f"{module}.{name}"] = getattr(importlib.import_module(module), name)
    for sub in (*sorted(ei._SUBMODULES), *EXTRA_MODULES):
        if sub in STATIC_MODULES:
            continue
        mod = importlib.import_module(f"econindex.{sub}")
        for name in getattr(mod, "__all__", ()):
            out[f"econindex.{sub}.{name}"] = getattr(mod, name)
    return {k: v for k, v in out.items() if inspect.isclass(v) or inspect.isfunction(v)}


def _resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_public_function_and_class_is_on_the_api_page() -> None:
    directives = re.findall(r"^::: (\S+)\s*$", (DOCS / "api.md").read_text(encoding="utf-8"), re.M)
    assert len(directives) == len(set(directives)), "a name is documented twice"
    static = [d for d in directives if d.split(".")[1] in STATIC_MODULES]
    documented = {id(_resolve(p)) for p in directives if p not in static}
    missing = sorted(path for path, obj in _public_callables().items() if id(obj) not in documented)
    missing += [
        f"econindex.{sub}.{name}"
        for sub in STATIC_MODULES
        for name in _static_all(sub)
        if f"econindex.{sub}.{name}" not in static
    ]
    assert missing == [], f"add to docs/api.md: {missing}"


def test_site_config_serves_the_maths_renderer_and_the_pages() -> None:
    class _Loader(yaml.SafeLoader):  # mkdocs.yml may carry !!python tags; only the plain keys matter
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    cfg = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    pages = [next(iter(item.values())) for item in cfg["nav"]]
    assert "api.md" in pages and "explore.md" in pages
    for asset in (*cfg["extra_javascript"], *cfg["extra_css"]):
        assert (DOCS / asset).is_file(), asset
    fonts = list((DOCS / "javascripts/katex/fonts").glob("*.woff2"))
    css = (DOCS / "javascripts/katex/katex.min.css").read_text(encoding="utf-8")
    assert {f.name for f in fonts} == set(re.findall(r"url\(fonts/([^)]+\.woff2)\)", css))
    assert "MIT" in (DOCS / "javascripts/katex/LICENSE").read_text(encoding="utf-8")
    assert cfg["theme"]["font"] is False  # no web fonts fetched from the network


@pytest.mark.slow
def test_built_site_renders_the_maths_offline(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="needs the docs extra")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium (Debian's package: apt-get install -y chromium; .ci/run installs it)")
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        for page_name in ("indices", "bayes"):
            page = browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda e, problems=problems: problems.append(str(e)))
            page.on(
                "console",
                lambda m, problems=problems: problems.append(m.text) if m.type == "error" else None,
            )
            page.on(
                "request",
                lambda r, problems=problems: None if r.url.startswith("file:") else problems.append(r.url),
            )
            page.goto((site / page_name / "index.html").as_uri())
            page.wait_for_function("document.querySelectorAll('.arithmatex .katex').length > 0")
            n_math = page.locator(".arithmatex").count()
            assert page.locator(".arithmatex .katex").count() == n_math > 0
            assert page.locator(".katex-error").count() == 0
            text = page.locator("article").inner_text()
            assert "\\[" not in text and "\\frac" not in text  # nothing left raw
            page.close()
            assert problems == [], (page_name, problems)
        browser.close()
