"""The grading harness: the only coursekit code inside the grading sandbox.

It imports NumPy and the standard library and nothing that could compute an
answer: no reference, no check specification, no seed.  In the sandbox the
package ``coursekit`` holds just this harness (as ``coursekit.grading``) and,
where an assignment allows it, ``coursekit.data``.

* :mod:`.run`: run the student's code for one case, catching everything.
* :mod:`.expect`: unpack what the student's functions return.
* :mod:`.wire`: plain data in (the grader's inputs), records out.
* :mod:`.a1` ... :mod:`.a5`, :mod:`.calls`: how each check calls the student's code.
* :mod:`.record`: ``check`` and ``visible_inputs`` as the sandbox runs them.
"""

from .run import WrongType

__all__ = ["WrongType"]
