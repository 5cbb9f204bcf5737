"""botguard.harden."""
