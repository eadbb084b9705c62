"""Similar submissions for review: fingerprints, pair scores and their HTML report (see README.md)."""
