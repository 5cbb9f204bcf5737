"""botguard.sim."""
