"""botguard.scan."""
