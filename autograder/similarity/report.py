"""The similarity report as HTML: ranked pairs, side by side, for ``similarity.html`` and ``report.html``.

Everything shown is escaped (student ids, function names, code); the page has
no script, and student code is only displayed, never run.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from ..plan import Course
from .compare import REVIEW, load_results, submissions_digest

__all__ = ["EXPLANATION", "page", "section", "with_similarity_section"]

EXPLANATION = (
    "A score is the share of the smaller submission's code (or of its most similar function) that the other "
    "one also has, compared as structure: names, layout, comments, docstrings and the order of independent "
    "statements and of functions do not count, the released notebook's given code and stubs are removed, and "
    "passages that many students write alike count less. A pair at {review:g} or above is marked "
    "\u201csimilar: review\u201d: look at the highlighted code side by side. A score says nothing about who "
    "wrote what or whether anyone copied: short answers that the task leaves little freedom in, shared course "
    "material and allowed collaboration can all score high, and a low score does not prove independent work."
)
_STYLE = (".sim table{border-collapse:collapse}.sim td,.sim th{border:1px solid #ccc;padding:.3rem .5rem;"
          "text-align:left;vertical-align:top}.sim pre{margin:0;font-size:.8rem;white-space:pre-wrap}"
          ".sim mark{background:#ffe08a}.sim .gap{color:#888}.sim .review{color:#a33;font-weight:600}"
          ".sim details{margin:.4rem 0}.sim .side{width:50%}")
_CONTEXT = 2  # unmatched lines shown around a match; longer stretches are folded


def _histogram_png(assignment: str, scores: list[float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.0, 2.2), dpi=90)
    ax.hist(scores, bins=20, range=(0, 1), color="#4a72b0", edgecolor="white")
    ax.axvline(REVIEW, color="#a33", linewidth=1)
    ax.set_yscale("log")
    ax.set_title(f"{assignment}: pairs that share code", fontsize=8)
    ax.set_xlabel("similarity score", fontsize=7)
    ax.set_ylabel("pairs", fontsize=7)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _code(text: str, marked: list[int]) -> str:
    """Numbered, escaped lines with the matched ones highlighted and long unmatched stretches folded."""
    lines = text.split("\n")
    marked_set = set(marked)
    shown = {i for m in marked_set for i in range(m - _CONTEXT, m + _CONTEXT + 1)}
    out, folded = [], 0
    for number, line in enumerate(lines, start=1):
        if number not in shown:
            folded += 1
            continue
        if folded:
            out.append(f"<span class='gap'>\u22ef {folded} line(s)</span>")
            folded = 0
        body = f"{number:>4}  {html.escape(line)}"
        out.append(f"<mark>{body}</mark>" if number in marked_set else body)
    if folded:
        out.append(f"<span class='gap'>\u22ef {folded} line(s)</span>")
    return "<pre>" + "\n".join(out) + "</pre>"


def _side_by_side(pair: dict[str, Any]) -> str:
    e = html.escape
    keys = list(dict.fromkeys([*pair["lines_a"], *pair["lines_b"]]))
    rows = [f"<table><tr><th class='side'>{e(pair['a'])}</th><th class='side'>{e(pair['b'])}</th></tr>"]
    for key in keys:
        cells = []
        for texts, lines in ((pair["texts_a"], pair["lines_a"]), (pair["texts_b"], pair["lines_b"])):
            if key in lines:
                cells.append(f"<td><b>{e(key)}</b>{_code(texts[key], lines[key])}</td>")
            else:
                cells.append("<td></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def _assignment(result: dict[str, Any], stale: bool) -> list[str]:
    e = html.escape
    a = result["assignment"]
    flagged = [p for p in result["top"] if p["score"] >= REVIEW]
    summary = (f"<p>{result['students']} submissions, {len(result['references'])} reference file(s); "
               f"{result['pairs_scored']} of {result['pairs_possible']} pairs share code and were scored "
               f"(the others score 0); <span class='review'>{len(flagged)} similar: review</span>. Fingerprints "
               f"held by more than {result['cutoff']} documents were ignored. Computed "
               f"{e(str(result.get('computed', '')))}.</p>")
    parts = [f"<h3>{e(a)}</h3>", summary]
    if stale:
        parts.append("<p class='review'>Submissions changed since this was computed: run "
                     f"<code>python -m autograder similarity {e(a)}</code> again.</p>")
    for note in result["notes"]:
        parts.append(f"<p>{e(note)}</p>")
    if result["scores"]:
        parts.append(f"<img alt='{e(a)} similarity scores' src='data:image/png;base64,"
                     f"{_histogram_png(a, result['scores'])}'>")
    if not result["top"]:
        parts.append("<p>No two documents share code beyond the released notebook.</p>")
        return parts
    parts.append("<table><tr><th>#</th><th>score</th><th></th><th>submission</th><th>compared with</th>"
                 "<th>most similar function</th><th>answers (share)</th></tr>")
    for rank, p in enumerate(result["top"], start=1):
        label = "<span class='review'>similar: review</span>" if p["score"] >= REVIEW else ""
        answers = ", ".join(f"{e(k)} {v:.2f}" for k, v in sorted(p["answers"].items(), key=lambda kv: -kv[1]))
        unit = p["unit"]
        parts.append(f"<tr><td>{rank}</td><td>{p['score']:.2f}</td><td>{label}</td><td>{e(p['a'])}</td>"
                     f"<td>{e(p['b'])}</td><td>{e(unit['name'])} of {e(unit['of'])} ({unit['share']:.2f})</td>"
                     f"<td>{answers}</td></tr>")
    parts.append("</table>")
    for rank, p in enumerate(result["top"], start=1):
        parts.append(f"<details><summary>#{rank} {e(p['a'])} \u2194 {e(p['b'])}: {p['score']:.2f}</summary>"
                     f"{_side_by_side(p)}</details>")
    return parts


def section(course_root: Path, assignments: list[str]) -> str:
    """The report's similarity section (an HTML fragment) from the saved results of ``similarity``.

    Parameters
    ----------
    course_root : Path
        The course directory (the results are in ``autograded/.autograder/similarity.json``).
    assignments : list of str
        The assignments to show; one without results says how to compute them, and results older
        than the submissions say so.

    Returns
    -------
    str
        Escaped HTML without scripts.
    """
    course = Course(Path(course_root).resolve())
    saved = load_results(course)
    parts = [f"<section class='sim'><style>{_STYLE}</style><h2>Similarity</h2>",
             f"<p>{html.escape(EXPLANATION.format(review=REVIEW))}</p>"]
    if not saved:
        parts.append("<p>Not computed: run <code>python -m autograder similarity</code> first.</p></section>")
        return "\n".join(parts)
    for a in assignments:
        result = saved.get(a)
        if not isinstance(result, dict):
            parts.append(f"<h3>{html.escape(a)}</h3><p>Not computed: run "
                         f"<code>python -m autograder similarity {html.escape(a)}</code>.</p>")
            continue
        stale = result.get("digest") != submissions_digest(course, [a])
        parts += _assignment(result, stale)
    parts.append("</section>")
    return "\n".join(parts)


def page(course_root: Path, assignments: list[str]) -> str:
    """``similarity.html``: the section as a page of its own."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Similarity report</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem}</style></head><body>"
            + section(course_root, assignments) + "</body></html>")


def with_similarity_section(report: str, course_root: Path, assignments: list[str]) -> str:
    """``report.html`` with the similarity section added before its end (``export``'s hook).

    Parameters
    ----------
    report : str
        The page ``export`` made.
    course_root : Path
    assignments : list of str

    Returns
    -------
    str
        The page with :func:`section` before ``</body>`` (or at its end).
    """
    head, sep, tail = report.rpartition("</body>")
    return head + section(course_root, assignments) + sep + tail if sep else report + section(course_root, assignments)
