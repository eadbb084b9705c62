"""Sphinx extension: every image in the book has alternative text that says what it shows.

Figures drawn by code cells (myst-nb, ``mystnb: figure: caption: ...``) get the
image's file name as their ``alt`` unless the cell sets ``mystnb: image: alt:``;
a screen reader would read "../_images/3538...png". Here, after the doctree is
resolved, an image whose alt text is missing or is its file name takes the
first sentence of its figure's caption (TeX turned into readable text). An
image with neither alt text nor a caption is a build warning, so (with
``-W``) the build fails until it is described.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

_TEX = {
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\eta": "η", r"\theta": "θ",
    r"\kappa": "κ", r"\lambda": "λ", r"\mu": "μ", r"\sigma": "σ", r"\phi": "φ", r"\rho": "ρ",
    r"\tau": "τ", r"\epsilon": "ε", r"\varepsilon": "ε", r"\infty": "∞", r"\to": "→", r"\times": "×",
    r"\le": "≤", r"\ge": "≥", r"\approx": "≈", r"\cdot": "·", r"\ldots": "...", r"\dots": "...",
}


def readable(text: str) -> str:
    """Caption text (which may hold TeX source) as plain words for a screen reader."""
    for tex, char in sorted(_TEX.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(re.escape(tex) + r"(?![A-Za-z])", char, text)
    text = re.sub(r"\\(?:mathbf|mathrm|text|operatorname|boldsymbol|mathcal)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+", "", text).replace("{", "").replace("}", "").replace("$", "")
    return re.sub(r"\s+", " ", text).strip()


def _first_sentence(text: str, limit: int = 300) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = m.group(1) if m else text
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rsplit(" ", 1)[0] + "..."


def _is_file_name(alt: str, uri: str) -> bool:
    alt = alt.strip()
    return not alt or alt == uri or PurePosixPath(alt).name == PurePosixPath(uri).name or alt.lower() == "figure"


def _describe_images(app: Any, doctree: nodes.document, docname: str) -> None:
    for image in doctree.findall(nodes.image):
        uri = str(image.get("uri", ""))
        if not _is_file_name(str(image.get("alt", "")), uri):
            continue
        figure = image.parent
        while figure is not None and not isinstance(figure, nodes.figure):
            figure = figure.parent
        caption = next(iter(figure.findall(nodes.caption)), None) if figure is not None else None
        if caption is None or not caption.astext().strip():
            logger.warning(
                "image %s has no alternative text and no caption: give the cell "
                "`mystnb: image: alt: ...` (or the image an :alt:) that says what it shows",
                uri, location=image,
            )
            continue
        image["alt"] = _first_sentence(readable(caption.astext()))


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-resolved", _describe_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
