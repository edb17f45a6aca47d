"""The ``order-agent`` commands, one module each."""
