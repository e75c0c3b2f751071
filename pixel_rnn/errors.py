"""The project's error for bad input, at the bottom of every import chain."""


class UsageError(Exception):
    """Bad input from the user: scripts print the message and exit with status 2."""
