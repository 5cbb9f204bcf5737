"""botguard.audit.checks."""
