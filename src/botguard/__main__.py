"""`python -m botguard`."""

from botguard.cli import run

run()
