"""botguard.audit."""
