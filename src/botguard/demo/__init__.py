"""`botguard demo`: the whole story on the built-in simulated exchange."""
