"""The fleet: one signed command halts every guardian (NATS JetStream key-value bucket).

The halt is state, not a message: the operator's signed command is the value of a
key, so a guardian that was offline or restarting reads it as soon as it connects.
Each guardian verifies the signature, that the command names this fleet and a
target this host is in, and that it is newer than the last it obeyed; then it runs
its own warm kill with its own keys and writes its progress to its own status key.
"""
