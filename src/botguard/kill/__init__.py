"""The kill switch: halt, cancel, flatten, verify."""
