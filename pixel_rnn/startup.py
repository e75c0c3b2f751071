"""Starting Keras without TensorFlow's native start-up lines, and stopping a
run: every signal handler of the project is set through handle.

TensorFlow writes its lines to the process's stderr before any setting can
stop them, and one of them (no CUDA driver) is marked E though nothing is wrong.
"""
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading

from pixel_rnn.errors import UsageError, shown

# What TensorFlow's own logging can still hold back: all of it. Its real
# failures reach Python as exceptions; its E lines are of its graph
# optimizer's internals, which a user can do nothing about.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

# Keras's backends, as KERAS_BACKEND names them; all but numpy are packages
# installed under that name.
BACKENDS = ('jax', 'numpy', 'openvino', 'tensorflow', 'torch')


def reopen_closed_streams():
    """The null device in place of a standard stream the command was started
    without (2>&-): else the first message ends the run, and a file it opens
    takes the number, to be written into by TensorFlow. Gives their names."""
    closed = []
    for number, name in enumerate(('stdin', 'stdout', 'stderr')):
        try:
            os.fstat(number)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
            setattr(sys, name, open(number, 'w' if number else 'r', closefd=False))
            closed.append(name)
    return closed


def start_keras():
    """Import Keras and set up its device, the start-up lines shown only if
    that fails; a backend missing or unknown is one line saying what to do."""
    chosen = os.environ.get('KERAS_BACKEND')
    if chosen and chosen not in BACKENDS:
        raise UsageError(f'KERAS_BACKEND={shown(chosen)} is not a Keras backend; use one of '
                         f"{', '.join(BACKENDS)}, or leave it unset for tensorflow")
    try:
        with held_stderr(quiet=ModuleNotFoundError):
            import keras
            keras.ops.zeros(1)
    except ModuleNotFoundError as error:
        if error.name not in BACKENDS:
            raise
        raise UsageError(f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', error.name)} needs "
                         f'{error.name}, which is not installed: pip install {error.name}'
                         ) from None
    # TensorFlow's Python warnings speak of its internals (retracing), not of
    # anything a user can change.
    logging.getLogger('tensorflow').setLevel(logging.ERROR)


@contextlib.contextmanager
def held_stderr(quiet=()):
    """Hold back what is written to stderr within the block; shown if the
    block fails, unless with one of the exceptions quiet (which say all)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except quiet:
            raise
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors='replace'))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# ---------------------------------------------------------------- stopping

# The signals that stop a run as Ctrl-C does: SIGTERM (kill, a service
# manager) and SIGHUP (its terminal closed) too.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, as Ctrl-C is."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def interrupt(signum, frame=None):
    """The handler that stops a run as Ctrl-C does."""
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def handle(handler, signals=STOP_SIGNALS):
    """Set handler for signals; gives the handlers before, for restore. Only
    the main thread may set one (elsewhere none arrives): there, nothing."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, handler) for number in signals}


def restore(previous):
    for number, handler in previous.items():
        signal.signal(number, handler)
