"""botguard.report."""
