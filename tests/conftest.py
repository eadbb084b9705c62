"""Shared pytest configuration.

The suite runs with ``--doctest-modules``, which imports every ``.py`` file it
collects.  The autograder's hostile sample submissions (fork bombs, os._exit,
...) are data for the sandbox and must never be imported here; nor is the
quick-start entry point.
"""

collect_ignore_glob = ["autograder_submissions/*", "run.py"]
