#!/usr/bin/env python3
"""Build the book: `python3 book/build.py [extra jupyter-book build options]`.

Runs `jupyter-book build book/ -W --keep-going` from the repo's `.venv`
(created on first use by .ci/venv.py). Any Sphinx warning or notebook cell
error fails the build with a non-zero exit code.

Before that it vendors the live widgets' front-end JavaScript (see
`vendor_widgets`): `npm ci` from the pinned `book/_widgets/package-lock.json`
into `book/_build/.widgets-npm` (only when that install is missing or the
lockfile changed), then copies the files the pages load into
`book/_build/widgets-site/_widgets/`, which `_config.yml` serves at
`<site>/_widgets/` through `html_extra_path`. Nothing is loaded from a CDN.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("coursekit_ci_venv", ROOT / ".ci" / "venv.py")
bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootstrap)
bootstrap.ensure("book")

BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"

# Paths inside a book folder (the real `book/`, or a copy: benchmarks/book_rebuild.py).
# Sphinx does not re-read unchanged pages, so their warnings are not repeated:
# after a failed build, rebuild everything so the failure cannot go quiet.
FAILED_MARK = "_build/.last-build-failed"
# Written after a successful build (mtime = when the build started);
# tests/test_book_browser.py compares source mtimes against it.
OK_MARK = "_build/.last-build-ok"
JUPYTER_CACHE = "_build/.jupyter_cache"

# --- widget front end -------------------------------------------------------
# Sources (committed): package.json + package-lock.json (the pins) and the
# small require.js configuration shim.
WIDGETS_SRC = "_widgets"
# npm installs here (a hidden folder, so the file scans of Sphinx and
# sphinx-external-toc skip its node_modules; _build is git-ignored).
NPM_DIR = "_build/.widgets-npm"
NPM_STAMP = "_build/.widgets-npm/.coursekit-lock.sha256"
# `html_extra_path: [_build/widgets-site]` in _config.yml copies this folder's
# contents to the site root, so the vendored files are served at <site>/_widgets/.
VENDOR = "_build/widgets-site/_widgets"
# vendored file -> (npm package, file inside it)
VENDORED = {
    "require.js": ("requirejs", "require.js"),
    "embed-amd.js": ("@jupyter-widgets/html-manager", "dist/embed-amd.js"),
    # anywidget's AMD front end: define(["@jupyter-widgets/base"], ...) returning
    # {AnyModel, AnyView}; the same file as the Python package's nbextension/index.js.
    "anywidget/index.js": ("anywidget", "dist/index.js"),
    "licenses/anywidget-LICENSE": ("anywidget", "LICENSE"),
}
SHIM = "widgets-config.js"  # in _widgets/, copied as is
NODE_HINT = (
    "npm (Node.js >= 18) is needed once to fetch the widgets' pinned JavaScript "
    "from the npm registry: install Node.js, e.g. `sudo apt-get install nodejs npm` "
    "(Debian/Ubuntu), `brew install node` (macOS), `conda install -c conda-forge nodejs`, "
    "or from https://nodejs.org/"
)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class VendorError(RuntimeError):
    """The widget JavaScript could not be vendored (message says what to do)."""


def _lock_digest(book: Path) -> str:
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update((book / WIDGETS_SRC / name).read_bytes())
    return h.hexdigest()


def _npm_ci(book: Path, digest: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError(f"npm was not found. {NODE_HINT}")
    npm_dir = book / NPM_DIR
    npm_dir.mkdir(parents=True, exist_ok=True)
    (book / NPM_STAMP).unlink(missing_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(book / WIDGETS_SRC / name, npm_dir / name)
    # --ignore-scripts: only files are needed (font-awesome has an install script);
    # --prefer-offline: reuse npm's own cache when it has the pinned tarballs.
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"]
    print(f"[coursekit] vendoring widget JavaScript: {' '.join(cmd)} (in {npm_dir})", flush=True)
    started = time.monotonic()
    rc = subprocess.call(cmd, cwd=npm_dir)
    if rc != 0:
        raise VendorError(
            f"`npm ci` failed (exit {rc}) in {npm_dir}. It needs the npm registry (or npm's "
            "cache) once, to fetch the versions pinned in book/_widgets/package-lock.json."
        )
    (book / NPM_STAMP).write_text(digest + "\n")
    print(f"[coursekit] npm ci done in {time.monotonic() - started:.0f} s", flush=True)


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return  # keep the mtime, so nothing downstream thinks it changed
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def vendor_widgets(book: Path = BOOK) -> dict[str, str]:
    """Make `<book>/_build/widgets-site/_widgets/` match the pinned npm packages.

    Runs `npm ci` only when `<book>/_build/.widgets-npm` is missing or the
    lockfile changed, so a normal rebuild needs neither npm nor the network.
    Returns {package: version} of what was vendored.
    """
    digest = _lock_digest(book)
    modules = book / NPM_DIR / "node_modules"
    stamp_file = book / NPM_STAMP
    stamp = stamp_file.read_text().strip() if stamp_file.is_file() else ""
    if stamp != digest or not modules.is_dir():
        _npm_ci(book, digest)
    files: dict[str, bytes] = {}
    versions: dict[str, str] = {}
    for target, (package, inner) in VENDORED.items():
        src = modules / package / inner
        if not src.is_file():
            raise VendorError(f"{src} is missing after npm ci; delete {book / NPM_DIR} and rebuild")
        files[target] = src.read_bytes()
        meta = json.loads((modules / package / "package.json").read_text())
        versions[package] = meta["version"]
    # The html-manager's CSS (Font Awesome) refers to these by URL, relative to
    # the webpack public path, which the shim points at this folder.
    dist = modules / "@jupyter-widgets" / "html-manager" / "dist"
    for font in sorted(dist.iterdir()):
        if font.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}:
            files[f"@jupyter-widgets/html-manager/dist/{font.name}"] = font.read_bytes()
    files[SHIM] = (book / WIDGETS_SRC / SHIM).read_bytes()
    files["VERSIONS.json"] = (json.dumps(versions, indent=1, sort_keys=True) + "\n").encode()
    vendor = book / VENDOR
    for target, data in files.items():
        _write_if_changed(vendor / target, data)
    for path in sorted(vendor.rglob("*"), reverse=True):  # drop files no longer vendored
        rel = path.relative_to(vendor).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return versions


def drop_stale_widget_executions(book: Path = BOOK) -> list[str]:
    """Forget cached executions whose embedded widget JavaScript is out of date.

    A page's widget state (with each widget's `_esm` source) is saved when the
    page runs, and jupyter-cache re-runs a page only when its code cells change.
    When `coursekit/widgets/*.js` changes, the cached state would keep the old
    JavaScript, so drop those cache records and let the pages run again.
    """
    executed = book / JUPYTER_CACHE / "executed"
    if not executed.is_dir():
        return []
    # The kernel imports this same coursekit; find its files without importing it.
    spec = importlib.util.find_spec("coursekit")
    js_dir = Path(spec.origin).parent / "widgets"
    current = {p.read_text(encoding="utf-8") for p in js_dir.glob("*.js")}
    # jupyter-cache 1.0 keeps each executed notebook as executed/<hashkey>/base.ipynb;
    # reading them raw keeps this check to milliseconds (opening the cache's
    # database takes a second or more, so that happens only to drop a record).
    stale = set()
    for path in executed.glob("*/base.ipynb"):
        try:
            text = path.read_text(encoding="utf-8")
            if '"_esm"' not in text:
                continue
            state = json.loads(text).get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
        except (OSError, ValueError) as err:  # leave unreadable notebooks to jupyter-cache
            print(f"[coursekit] skipping {path}: {err}", flush=True)
            continue
        for model in state.get("state", {}).values():
            esm = model.get("state", {}).get("_esm")
            if isinstance(esm, str) and esm not in current:
                stale.add(path.parent.name)
                break
    dropped: list[str] = []
    if stale:
        from jupyter_cache import get_cache

        cache = get_cache(book / JUPYTER_CACHE)
        for record in cache.list_cache_records():
            if record.hashkey in stale:
                cache.remove_cache(record.pk)
                dropped.append(record.uri)
    for uri in dropped:
        print(f"[coursekit] widget JavaScript changed: {uri} will run again", flush=True)
    return dropped


def build(args: list[str] | None = None, book: Path = BOOK) -> int:
    """Vendor the widget JavaScript, then build the book; returns the exit code."""
    args = list(sys.argv[1:] if args is None else args)
    book = Path(book).resolve()
    failed_mark, ok_mark = book / FAILED_MARK, book / OK_MARK
    try:
        versions = vendor_widgets(book)
    except VendorError as err:
        print(f"\n[coursekit] book build FAILED: {err}", file=sys.stderr)
        return 2
    print(
        "[coursekit] widget front end: "
        + ", ".join(f"{k}@{v}" for k, v in sorted(versions.items())),
        flush=True,
    )
    for page in drop_stale_widget_executions(book):
        # Sphinx re-reads a page only when its file is newer than its last read.
        if Path(page).is_file():
            os.utime(page)
    if failed_mark.exists() and "--all" not in args:
        args = ["--all", *args]
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    # The notebooks' kernel (kernelspec `python3`) must be this venv's Python.
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    cmd = [str(bin_dir / "jupyter-book"), "build", str(book), "-W", "--keep-going", *args]
    print("[coursekit]", " ".join(cmd), flush=True)
    started = time.time()
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    if rc == 0:
        failed_mark.unlink(missing_ok=True)
        ok_mark.write_text(f"{started}\n")
        os.utime(ok_mark, (started, started))
        html = book / "_build" / "html"
        shown = html.relative_to(ROOT) if html.is_relative_to(ROOT) else html
        print(f"\n[coursekit] book built: {html / 'index.html'}")
        print(f"[coursekit] view it with: python3 -m http.server -d {shown}")
    else:
        failed_mark.parent.mkdir(parents=True, exist_ok=True)
        failed_mark.touch()
        ok_mark.unlink(missing_ok=True)
        print(
            f"\n[coursekit] book build FAILED (exit {rc}): see the warnings above", file=sys.stderr
        )
    return rc


def main() -> int:
    return build(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
