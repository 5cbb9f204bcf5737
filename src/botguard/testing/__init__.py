"""botguard.testing."""
