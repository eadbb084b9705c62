"""Shared pytest configuration.

The suite runs with ``--doctest-modules``, which imports every ``.py`` file it
collects.  The autograder's hostile sample submissions (fork bombs, os._exit,
...) are data for the sandbox and must never be imported here; nor is the
quick-start entry point.
"""

collect_ignore_glob = ["autograder_submissions/*", "run.py"]


import atexit
import os
import shutil
import tempfile

# Course secrets live in the user's configuration directory ($XDG_CONFIG_HOME/coursekit/...,
# autograder/secret.py): the suite keeps its own, so a test never reads or writes the real one.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="coursekit-test-config-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], True)
