"""botguard.guard."""
