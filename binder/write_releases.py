"""Write the student release of every assignment for Binder: ``assignments/release/<id>.ipynb``.

``binder/postBuild`` runs this once when Binder builds the image, so that an
assignment page's Binder button (``book/_ext/assignment_downloads.py`` points
it here) opens the assignment itself, the same notebook the page offers for
download (``autograder.release.release_notebook``: solutions stubbed, hidden
tests removed). Usage: ``python binder/write_releases.py [output folder]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.release import release_notebook

SOURCE = ROOT / "assignments" / "source"
OUT = ROOT / "assignments" / "release"


def write_releases(out: Path = OUT) -> list[Path]:
    """Write ``<out>/<id>.ipynb`` for each ``assignments/source/<id>/<id>.ipynb``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(SOURCE.glob("*/*.ipynb")):
        if source.stem != source.parent.name:
            continue
        nb = release_notebook(json.loads(source.read_text(encoding="utf-8")))
        path = out / source.name
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    if not written:
        raise SystemExit(f"no assignment notebooks found under {SOURCE}")
    return written


if __name__ == "__main__":
    for path in write_releases(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(f"wrote {path}")
