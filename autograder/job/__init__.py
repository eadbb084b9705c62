"""Running one sandboxed job: a submission rebuilt, run inside the sandbox and scored (see README.md)."""
