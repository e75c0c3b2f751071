"""Command-line plumbing shared by the scripts: flag types and one-line errors.

Kept free of Keras so that bad flags are answered at once, before the
seconds it takes to import TensorFlow.
"""
import argparse
import os
import sys

# TensorFlow's start-up chatter on stderr would bury the scripts' own output.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


class UsageError(Exception):
    """Bad input from the user: scripts print the message and exit with status 2."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def run(main):
    """Run a script's main(), turning UsageError into one line and exit status 2."""
    prog = os.path.basename(sys.argv[0])
    try:
        main()
    except UsageError as error:
        print(f'{prog}: error: {error}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f'{prog}: interrupted; files saved earlier are untouched', file=sys.stderr)
        sys.exit(130)


def int_in_range(low, high, what):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= (high if high is not None else value):
            allowed = f'{low}-{high}' if high is not None else f'an integer >= {low}'
            raise argparse.ArgumentTypeError(f'{text!r} is not a valid {what}; use {allowed}')
        return value
    return parse


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value < float('inf'):
        raise argparse.ArgumentTypeError(f'{text!r} is not a positive number')
    return value


def boolean(text):
    """Accepts the tutorial's --all_digits=True as well as a bare --all_digits."""
    lowered = text.lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError(f'{text!r} is not true or false')


digit = int_in_range(0, 9, 'digit')
positive_int = int_in_range(1, None, 'count')
seed = int_in_range(0, 2**32 - 1, 'seed')
