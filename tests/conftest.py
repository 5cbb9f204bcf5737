"""Shared fixtures. The canary guard (issue 2) lives here and is autouse."""
