"""``similarity``: which submissions are alike, across the class and against reference code.

For each assignment every student's code is fingerprinted per graded answer
and per function (:mod:`autograder.similarity.fingerprint`), the fingerprints of the
released notebook (given code, stubs, test cells) are removed, and every pair
of documents that shares a fingerprint is scored. Documents are the students'
submissions and the reference corpora: coursekit's own implementation of what
the assignment asks (:data:`REFERENCE_FILES`) and the instructor's files in
``<course>/similarity/references/`` (``*.py`` or ``*.ipynb``; directly there:
compared with every assignment; in a sub-folder named after an assignment:
with that one only).

Scoring
-------
Only pairs that share fingerprints are looked at (an inverted index
fingerprint -> documents, as MOSS does), so a class of 500 costs little more
than its fingerprints. A fingerprint held by ``n`` documents weighs 1 when
``n <= 3`` and ``2 / (n - 1)`` above (code that many students write alike is
weak evidence), and is ignored when more than ``max(10, 10% of the class)``
documents hold it. A pair's score is the larger of

* the weighted share of the smaller document's fingerprints found in the other, and
* the same share for the most similar single function (or method) of either,

each share over at least ``MIN_FINGERPRINTS`` (a function's over at least
``UNIT_MIN_FINGERPRINTS``) fingerprints, so a few lines cannot score high. ``REVIEW`` (0.5) or more is reported as "similar: review".
Student code is only parsed, never executed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..plan import Course, _read_capped, submission_path
from ..rebuild import NotebookError, _grade_id, _role, _same_code, _source, parse_notebook
from ..release import release_notebook
from .fingerprint import all_kgram_hashes, units_of, winnow

__all__ = [
    "MIN_FINGERPRINTS", "REFERENCE_FILES", "REVIEW", "Document", "SimilarityResult", "compare",
    "load_results", "reference_documents", "result_path", "run_similarity", "student_document",
]

REVIEW = 0.5  # score from which a pair is listed as "similar: review"
MIN_FINGERPRINTS = 10  # the smallest denominator of a document's share: a few shared lines cannot score high
UNIT_MIN_FINGERPRINTS = 20  # ... and of one function's (about 8 lines): a short formula is written alike by many
COMMON_FRACTION = 0.10  # fingerprints in more than this share of the class are ignored (MOSS's -m)
COMMON_MIN = 10  # ... but never fewer than this many documents
OTHER_CELLS = "(other cells)"
_CODE = Path(__file__).resolve().parents[2] / "coursekit"
# What each assignment asks students to write, as coursekit implements it (by the id's prefix: a2_... -> "a2").
REFERENCE_FILES: dict[str, list[str]] = {
    "a1": ["autograd/ops/elementwise.py", "autograd/ops/arithmetic.py", "autograd/gradcheck.py"],
    "a2": ["autograd/engine.py", "autograd/broadcasting.py", "autograd/tensor.py", "autograd/function.py",
           "autograd/ops/arithmetic.py", "autograd/ops/elementwise.py", "autograd/ops/linalg.py",
           "autograd/ops/reductions.py"],
    "a3": ["nn/linear.py", "nn/activation.py", "nn/loss.py", "nn/functional.py", "autograd/ops/softmax.py",
           "train.py"],
    "a4": ["optim/sgd.py", "optim/adagrad.py", "optim/rmsprop.py", "optim/adam.py", "optim/optimizer.py",
           "optim/batch_size.py"],
    "a5": ["nn/penalty.py", "nn/dropout.py", "train.py"],
}
_MAX_REFERENCE_BYTES = 5 * 2**20
MAX_LISTED = 300  # pairs with side-by-side views per assignment
MAX_COMPARED_CHARS = 50_000  # of one cell (the grader allows 200,000): about 1,000 lines of code
MAX_REFERENCE_CHARS = 500_000  # of one reference file: split a larger one into several


@dataclass
class Document:
    """One student's code for an assignment, or one reference file, fingerprinted.

    Attributes
    ----------
    name : str
        The student id, or the reference's label (``coursekit/optim/adam.py``, ``instructor/micrograd.py``).
    kind : str
        ``"student"`` or ``"reference"``.
    texts : dict
        Answer (grade_id, ``(other cells)``, or the reference file) -> its code, as shown to the instructor.
    units : list of (str, str)
        (answer, function name) of each unit.
    fingerprints : dict
        Winnowed hash -> (unit index, lines of the answer it covers); each hash belongs to one unit.
    note : str
        Why the document has no code (unreadable notebook), else empty.
    """

    name: str
    kind: str
    texts: dict[str, str] = field(default_factory=dict)
    units: list[tuple[str, str]] = field(default_factory=list)
    fingerprints: dict[int, tuple[int, set[int]]] = field(default_factory=dict)
    note: str = ""

    def unit_sizes(self) -> list[int]:
        sizes = [0] * len(self.units)
        for unit, _ in self.fingerprints.values():
            sizes[unit] += 1
        return sizes


def _add_code(doc: Document, answer: str, cells: list[str], given: set[int], limit: int = 0) -> None:
    """Fingerprint the cells of one answer of ``doc`` (each cell on its own, as the release is), minus ``given``.

    Of a cell longer than ``limit`` characters (default ``MAX_COMPARED_CHARS``)
    only the start is fingerprinted, and the document's note says so.
    """
    limit = limit or MAX_COMPARED_CHARS
    cells = [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]  # line numbers as ast counts them
    doc.texts[answer] = "\n".join(cells)
    offset = 0
    for code in cells:
        compared = code
        if len(code) > limit:  # a huge cell would cost seconds; its start is compared
            compared = code[:code.rfind("\n", 0, limit) + 1]
            cut = f"{answer}: a cell of {len(code):,} characters, only its first {len(compared):,} were compared"
            doc.note = f"{doc.note}; {cut}" if doc.note else cut
        for unit in units_of(compared):
            index = len(doc.units)
            doc.units.append((answer, unit.name))
            lines = [line + offset for line in unit.lines]
            for h, covered in winnow(unit.tokens, lines).items():
                if h not in given and h not in doc.fingerprints:
                    doc.fingerprints[h] = (index, covered)
        offset += code.count("\n") + 1  # the cell's lines and the separator of the join


def release_hashes(source: dict[str, Any]) -> set[int]:
    """Every k-gram hash of the released notebook's code cells: given code that never counts as similarity."""
    out: set[int] = set()
    for cell in release_notebook(source)["cells"]:
        if cell["cell_type"] == "code":
            out |= all_kgram_hashes(cell["source"])
    return out


_RELEASED: list[Any] = [None, {}]  # the last source notebook and its released cells by grade_id (one class at a time)


def _released_cells(source: dict[str, Any]) -> dict[str, str]:
    if _RELEASED[0] is not source:
        _RELEASED[:] = [source, {_grade_id(c): c["source"] for c in release_notebook(source)["cells"] if _grade_id(c)}]
    return _RELEASED[1]


def _answers(source: dict[str, Any], submitted: dict[str, Any]) -> dict[str, list[str]]:
    """The student's code of a submission: answer cells by grade_id, then every other cell of theirs."""
    roles = {_grade_id(c): (_role(c), c) for c in source["cells"] if _grade_id(c)}
    released = _released_cells(source)
    order = [_grade_id(c) for c in source["cells"] if _grade_id(c) and _role(c) == "answer"
             and c["cell_type"] == "code"]
    found: dict[str, list[str]] = {}
    for cell in submitted["cells"]:
        if cell["cell_type"] != "code" or not cell["source"].strip():
            continue
        gid = _grade_id(cell)
        role, src_cell = roles.get(gid, ("open", None)) if gid else ("open", None)
        if role == "answer" and src_cell is not None and src_cell["cell_type"] == "code":
            key = gid
        elif role == "instructor" and (_same_code(cell["source"], _source(src_cell))
                                       or _same_code(cell["source"], released.get(gid, ""))):
            continue  # the instructor's own cell (tests, set-up): not the student's code
        else:
            key = OTHER_CELLS
        found.setdefault(key, []).append(cell["source"])
    keys = [k for k in order if k in found] + ([OTHER_CELLS] if OTHER_CELLS in found else [])
    return {k: found[k] for k in keys}


def student_document(student: str, source: dict[str, Any], data: bytes | None, given: set[int]) -> Document:
    """Fingerprint one submission.

    Parameters
    ----------
    student : str
        The student id.
    source : dict
        The instructor's source notebook (which cells are answers, which are the instructor's).
    data : bytes or None
        The submitted notebook's bytes (untrusted; parsed, never run); None when there is none.
    given : set of int
        Hashes that never count (:func:`release_hashes`).

    Returns
    -------
    Document
        With a ``note`` instead of code when the notebook is missing or unreadable.
    """
    doc = Document(student, "student")
    if data is None:
        doc.note = "no single notebook in the submission folder"
        return doc
    try:
        submitted = parse_notebook(data)
    except NotebookError as exc:
        doc.note = f"not compared: {exc}"
        return doc
    for answer, code in _answers(source, submitted).items():
        _add_code(doc, answer, code, given)
    return doc


def _notebook_code(path: Path) -> str:
    nb = parse_notebook(path.read_bytes())
    return "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "code")


def reference_documents(course_root: Path, assignment: str, warnings: list[str]) -> list[Document]:
    """coursekit's implementation of the assignment and the instructor's reference files, fingerprinted.

    Parameters
    ----------
    course_root : Path
        The course directory (its ``similarity/references/`` and ``similarity/references/<assignment>/``).
    assignment : str
        Its id; the prefix before ``_`` selects :data:`REFERENCE_FILES`.
    warnings : list of str
        Receives a line for every file that cannot be used, saying why.

    Returns
    -------
    list of Document
        Labelled ``coursekit/<path>`` and ``instructor/<path>``.
    """
    files: list[tuple[str, Path]] = []
    for rel in REFERENCE_FILES.get(assignment.split("_", 1)[0], []):
        files.append((f"coursekit/{rel}", _CODE / rel))
    folder = Path(course_root) / "similarity" / "references"
    for place in (folder, folder / assignment):
        if place.is_dir():
            for path in sorted(place.iterdir()):
                if path.is_file() and path.suffix in (".py", ".ipynb"):
                    files.append((f"instructor/{path.relative_to(folder).as_posix()}", path))
    docs = []
    for label, path in files:
        try:
            if path.stat().st_size > _MAX_REFERENCE_BYTES:
                warnings.append(f"{path}: larger than {_MAX_REFERENCE_BYTES // 2**20} MiB, not used as a reference")
                continue
            code = _notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, NotebookError) as exc:
            warnings.append(f"{path}: cannot be read as a reference ({exc}); fix or remove it")
            continue
        doc = Document(label, "reference")
        _add_code(doc, label, [code], set(), limit=MAX_REFERENCE_CHARS)
        docs.append(doc)
    return docs


def _weight(holders: int) -> float:
    """What one shared fingerprint is worth, when ``holders`` documents have it."""
    return 1.0 if holders <= 3 else 2.0 / (holders - 1)


def compare(docs: list[Document], n_students: int) -> tuple[list[dict[str, Any]], int]:
    """Score every pair of documents that shares a counted fingerprint (never two references).

    Returns
    -------
    pairs : list of dict
        ``a``, ``b`` (document indices), ``score``, ``overall``, ``unit`` (the best single
        function: document index, answer, name, share) and ``answers`` (answer -> share), best first.
    cutoff : int
        Fingerprints held by more documents than this were ignored.
    """
    cutoff = max(COMMON_MIN, math.ceil(COMMON_FRACTION * n_students))
    holders: dict[int, list[tuple[int, int]]] = {}
    for d, doc in enumerate(docs):
        for h, (unit, _) in doc.fingerprints.items():
            holders.setdefault(h, []).append((d, unit))
    is_ref = [doc.kind == "reference" for doc in docs]
    acc: dict[tuple[int, int], list[Any]] = {}
    for held in holders.values():
        n = len(held)
        if n < 2 or n > cutoff:
            continue
        w = _weight(n)
        for i in range(n):
            di, ui = held[i]
            for j in range(i + 1, n):
                dj, uj = held[j]
                if is_ref[di] and is_ref[dj]:
                    continue
                entry = acc.get((di, dj))
                if entry is None:
                    entry = acc[(di, dj)] = [0.0, {}]
                entry[0] += w
                per_unit = entry[1]
                per_unit[(di, ui)] = per_unit.get((di, ui), 0.0) + w
                per_unit[(dj, uj)] = per_unit.get((dj, uj), 0.0) + w
    sizes = [doc.unit_sizes() for doc in docs]
    answer_sizes: list[dict[str, int]] = []
    for doc, unit_sizes in zip(docs, sizes):
        per_answer: dict[str, int] = {}
        for (answer, _), size in zip(doc.units, unit_sizes):
            per_answer[answer] = per_answer.get(answer, 0) + size
        answer_sizes.append(per_answer)
    pairs = []
    for (da, db), (total, per_unit) in acc.items():
        smaller = min(len(docs[da].fingerprints), len(docs[db].fingerprints))
        overall = total / max(smaller, MIN_FINGERPRINTS)
        best = (0.0, da, 0)
        answer_w: dict[tuple[int, str], float] = {}
        for (d, u), w in per_unit.items():
            best = max(best, (w / max(sizes[d][u], UNIT_MIN_FINGERPRINTS), d, u))
            key = (d, docs[d].units[u][0])
            answer_w[key] = answer_w.get(key, 0.0) + w
        answers: dict[str, float] = {}
        for (d, answer), w in answer_w.items():
            share = w / max(answer_sizes[d][answer], MIN_FINGERPRINTS)
            answers[answer] = max(answers.get(answer, 0.0), share)
        share, d, u = best
        pairs.append({"a": da, "b": db, "score": min(1.0, max(overall, share)), "overall": min(1.0, overall),
                      "unit": {"doc": d, "answer": docs[d].units[u][0], "name": docs[d].units[u][1],
                               "share": min(1.0, share)},
                      "answers": {k: min(1.0, v) for k, v in answers.items()}})
    pairs.sort(key=lambda p: (-p["score"], docs[p["a"]].name, docs[p["b"]].name))
    return pairs, cutoff


def matched_lines(a: Document, b: Document, counted: set[int] | None = None) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Per answer, the lines of ``a`` and of ``b`` covered by their shared fingerprints (``counted``: only these)."""
    shared = a.fingerprints.keys() & b.fingerprints.keys()
    if counted is not None:
        shared &= counted
    out: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
    for side, doc in zip(out, (a, b)):
        for h in shared:
            unit, lines = doc.fingerprints[h]
            side.setdefault(doc.units[unit][0], set()).update(lines)
    return tuple({k: sorted(v) for k, v in side.items()} for side in out)  # type: ignore[return-value]


@dataclass
class SimilarityResult:
    """Everything the report shows for one assignment (plain data: saved as JSON for ``export``)."""

    assignment: str
    students: int
    references: list[str]
    pairs_scored: int
    pairs_possible: int
    cutoff: int
    scores: list[float]  # of every scored pair (the histogram)
    top: list[dict[str, Any]]  # the listed pairs, best first, with their side-by-side data
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def assess(assignment: str, docs: list[Document], n_students: int, top: int) -> SimilarityResult:
    """Compare the documents of one assignment and keep what the report shows.

    Parameters
    ----------
    assignment : str
    docs : list of Document
        The students' documents, then the references.
    n_students : int
        How many of ``docs`` are students (sets the cutoff of common fingerprints).
    top : int
        Pairs kept with their side-by-side data, besides every pair to review (at most ``MAX_LISTED`` in all).

    Returns
    -------
    SimilarityResult
    """
    pairs, cutoff = compare(docs, n_students)
    holders: dict[int, int] = {}
    for doc in docs:
        for h in doc.fingerprints:
            holders[h] = holders.get(h, 0) + 1
    counted = {h for h, n in holders.items() if 2 <= n <= cutoff}
    listed = []
    notes = []
    for rank, p in enumerate(pairs):
        if rank >= top and p["score"] < REVIEW:
            break
        if len(listed) >= MAX_LISTED:
            more = sum(q["score"] >= REVIEW for q in pairs[rank:])
            notes.append(f"{more} more pair(s) similar: review are not listed (at most {MAX_LISTED} are): "
                         "the histogram counts them all")
            break
        a, b = docs[p["a"]], docs[p["b"]]
        lines_a, lines_b = matched_lines(a, b, counted)
        listed.append({
            "a": a.name, "b": b.name, "kind": "reference" if "reference" in (a.kind, b.kind) else "students",
            "score": round(p["score"], 4), "overall": round(p["overall"], 4),
            "unit": {"of": docs[p["unit"]["doc"]].name, "answer": p["unit"]["answer"], "name": p["unit"]["name"],
                     "share": round(p["unit"]["share"], 4)},
            "answers": {k: round(v, 4) for k, v in p["answers"].items()},
            "texts_a": {k: a.texts[k] for k in lines_a}, "lines_a": lines_a,
            "texts_b": {k: b.texts[k] for k in lines_b}, "lines_b": lines_b,
        })
    n_refs = sum(doc.kind == "reference" for doc in docs)
    notes = [f"{doc.name}: {doc.note}" for doc in docs if doc.note] + notes
    return SimilarityResult(
        assignment=assignment, students=n_students, references=[d.name for d in docs if d.kind == "reference"],
        pairs_scored=len(pairs), pairs_possible=n_students * (n_students - 1) // 2 + n_students * n_refs,
        cutoff=cutoff, scores=[round(p["score"], 4) for p in pairs], top=listed, notes=notes)


def result_path(course: Course) -> Path:
    """Where ``similarity`` saves its results for ``export``'s report."""
    return course.state / "similarity.json"


def load_results(course: Course) -> dict[str, Any]:
    """The saved results, assignment -> result (empty when ``similarity`` has not run or the file is unreadable)."""
    try:
        saved = json.loads(result_path(course).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def submissions_digest(course: Course, assignments: list[str]) -> str:
    """A digest of the submitted notebooks (path, size, modification time): tells whether results are stale."""
    h = hashlib.sha256()
    for a in assignments:
        for s in course.students(a):
            path = submission_path(course, a, s)
            st = path.stat() if path is not None else None
            h.update(f"{a}\0{s}\0{st.st_size if st else -1}\0{st.st_mtime_ns if st else -1}\n".encode())
    return h.hexdigest()


_WORKER: dict[str, Any] = {}  # a worker process's source notebook and release fingerprints


def _init_worker(source: dict[str, Any], given: set[int]) -> None:
    _WORKER.update(source=source, given=given)


def _fingerprint_job(job: tuple[str, str | None]) -> Document:
    student, path = job
    # Over the grader's notebook limit: None, as for a missing notebook (never held in memory).
    data = _read_capped(Path(path), hashlib.sha256())[0] if path else None
    return student_document(student, _WORKER["source"], data, _WORKER["given"])


def _student_documents(course: Course, assignment: str, source: dict[str, Any], given: set[int],
                       workers: int) -> list[Document]:
    """Every submission of the class fingerprinted, in ``workers`` processes for a large class."""
    jobs = []
    for s in course.students(assignment):
        path = submission_path(course, assignment, s)
        jobs.append((s, str(path) if path else None))
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < 50:  # a small class is done before a pool has started
        _init_worker(source, given)
        return [_fingerprint_job(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(source, given)) as pool:
        return list(pool.map(_fingerprint_job, jobs, chunksize=max(1, len(jobs) // (4 * workers))))


def run_similarity(course_root: Path, assignments: list[str] | None = None, *, top: int = 50,
                   warnings: list[str] | None = None, workers: int = 0) -> list[SimilarityResult]:
    """Compare every assignment's submissions with each other and with the references; save the results.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory (``source/``, ``submitted/``, optional ``similarity/references/``).
    assignments : list of str, optional
        Default: every assignment of ``source/``.
    top : int
        How many pairs of each assignment to keep for the report, besides every pair to review.
    warnings : list of str, optional
        Receives what the instructor should fix (unreadable reference files).
    workers : int
        Processes that fingerprint the submissions (0: one per CPU; a class under 50 uses one).

    Returns
    -------
    list of SimilarityResult
        One per assignment; also saved to ``autograded/.autograder/similarity.json``.
    """
    course = Course(Path(course_root).resolve())
    if not course.source.is_dir():
        raise ValueError(f"{course.root} is not a course directory: it has no source/ folder "
                         "(run from the course directory or pass --course DIR)")
    known = course.assignments()
    assignments = assignments or known
    unknown = [a for a in assignments if a not in known]
    if unknown:
        raise ValueError(f"no assignment {', '.join(map(repr, unknown))} in {course.source} "
                         f"(there are: {', '.join(known) or 'none'})")
    warnings = warnings if warnings is not None else []
    results = []
    for a in assignments:
        source = json.loads(course.source_notebook(a).read_text(encoding="utf-8"))
        given = release_hashes(source)
        docs = _student_documents(course, a, source, given, workers)
        n_students = len(docs)
        docs += reference_documents(course.root, a, warnings)
        results.append(assess(a, docs, n_students, top))
    course.state.mkdir(parents=True, exist_ok=True)
    saved = load_results(course)  # other assignments' results stay
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for r in results:
        saved[r.assignment] = {**r.as_dict(), "computed": now, "digest": submissions_digest(course, [r.assignment])}
    result_path(course).write_text(json.dumps(saved), encoding="utf-8")
    return results
