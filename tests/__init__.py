"""botguard test suite (a package, so tests/secrets does not shadow the stdlib secrets)."""
