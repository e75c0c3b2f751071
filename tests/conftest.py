import atexit
import contextlib
import functools
import hashlib
import io
import os
import runpy
import signal
import subprocess
import shutil
import sys
import tarfile
import tempfile
import traceback

import numpy as np
import pytest

from pixel_rnn import architectures
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import defaults
from pixel_rnn.description import ModelInfo
from pixel_rnn.startup import start_keras


def pytest_configure(config):
    # Before the test modules import Keras: TensorFlow's start-up lines held
    # back. Not in the process that hands the tests to pytest-xdist's workers:
    # it runs none, and would spend seconds of a core on TensorFlow's import.
    if hasattr(config, 'workerinput') or not config.getoption('numprocesses', None):
        start_keras()


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, '..', 'shared')


@functools.cache
def shipped(folder):
    """trained/folder as the project ships it: the working tree's where git
    sees it unchanged (or there is no git), else the committed files, in a
    folder of their own. README's flows train over shipped models (the
    tutorial's command replaces model_0.h5): a test that measures a shipped
    set must not measure a user's model instead."""
    path = os.path.join(ROOT, 'trained', folder)
    try:
        changed = subprocess.run(['git', 'status', '--porcelain', '--', path], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return path
    if not changed:
        return path
    archive = subprocess.run(['git', 'archive', 'HEAD', f'trained/{folder}'], cwd=ROOT,
                             capture_output=True)
    if archive.returncode:  # not committed yet: the working tree's is the one to ship
        return path
    copy = tempfile.mkdtemp(prefix='shipped-')
    atexit.register(shutil.rmtree, copy, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(copy, filter='data')
    return os.path.join(copy, 'trained', folder)


def model_info(levels=7, arch='gru', image_size=10, colours=1, class_name='0', **fields):
    """A ModelInfo for tests: MNIST for grey, CIFAR-10 for colour; fields as given."""
    params = defaults(ARCHITECTURES[arch].PARAMS)
    params.update({key: fields.pop(key) for key in list(fields) if key in params})
    return ModelInfo('cifar' if colours == 3 else 'mnist', class_name, image_size, levels,
                     colours, arch, params, **fields)


def gru_model(levels=7, units=16, **fields):
    return architectures.create(model_info(levels, units=units, **fields))


def rigged_model(probabilities, units=4, **fields):
    """A GRU ClassModel whose every step predicts the same distribution over levels."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    model = gru_model(len(probabilities), units, **fields)
    logits = model.network.get_layer('logits')
    with np.errstate(divide='ignore'):
        bias = np.maximum(np.log(probabilities), -1e4)
    logits.set_weights([np.zeros_like(logits.get_weights()[0]), bias.astype(np.float32)])
    return model


def run_script(*args, cwd=ROOT, timeout=600):
    """Run one of the scripts as a user would; returns the CompletedProcess
    (subprocess.TimeoutExpired where it runs past timeout seconds)."""
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def start(command, **kwargs):
    """command (a script and its arguments) in a process of its own, as Popen,
    with Ctrl-C's default action: a process started with SIGINT ignored
    keeps it ignored, and a test's runner process may ignore it."""
    return subprocess.Popen([sys.executable, *command], cwd=ROOT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            **kwargs)


def assert_one_line(result, status, *words):
    """That result ended with status and said only one line, holding words."""
    assert result.returncode == status, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def run_in_process(*args, cwd=ROOT, timeout=600):
    """Run one of the scripts as run_script does, but in this process: the
    same code from `if __name__ == '__main__'` on, its exit status and output,
    without the seconds a new interpreter spends importing TensorFlow. What
    only a new process shows (TensorFlow's start-up lines, signals, worker
    processes, the environment it starts with) needs run_script. A script
    still running after timeout seconds is stopped (SIGALRM interrupts even
    a wait in the system, as for a FIFO) and fails with a traceback."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    saved_alarm = signal.signal(signal.SIGALRM, time_is_up)
    sys.argv = list(args)
    os.chdir(cwd)
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            returncode = exit_status(args[0])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, saved_alarm)
        sys.argv = saved_argv
        os.chdir(saved_cwd)
    return subprocess.CompletedProcess(args, returncode, stdout.getvalue(), stderr.getvalue())


def time_is_up(signum, frame):
    raise TimeoutError('the script ran past its time')


def exit_status(script):
    """Run script as __main__ and return the status the interpreter would
    exit with, writing to sys.stderr what it would write there."""
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        print(exit.code, file=sys.stderr)
        return 1
    except BaseException:  # as the interpreter does with what nothing caught
        traceback.print_exc()
        return 1
    return 0


def unwrapped(listing):
    """describe.py's listing with each entry on one line again: a line
    indented 6 columns or more goes on from the one before (describe.say)."""
    lines = []
    for line in listing.splitlines():
        if line.startswith(' ' * 6) and lines:
            lines[-1] += ' ' + line.lstrip()
        else:
            lines.append(line)
    return '\n'.join(lines)


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ''


# Real data and files of development kept beside the project, not shipped
# with it, by what they are.
SHARED_FILES = {'mnist.npz': 'the full MNIST data set',
                'keras2-gru-digit0.h5': "the tutorial's own model file of digit 0"}


def shared_file(*parts):
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f'needs {SHARED_FILES[parts[-1]]} ({parts[-1]}), which does not ship with '
                    'the project')
    return path


def snapshot(folder):
    """What folder holds, at any depth: each file's digest, each link's
    target (links are not followed, so a loop is harmless)."""
    held = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                held[os.path.relpath(path, folder)] = 'link to ' + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, 'rb') as f:
                    held[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
            else:
                held[os.path.relpath(path, folder)] = 'folder'
    return held


def terminated_after_first_epoch():
    """A StopBetweenBatches callback that sends this process SIGTERM as the
    first epoch ends, its backup written; made when asked, as the callbacks'
    module imports Keras."""
    from pixel_rnn.training import callbacks

    class TerminatedAfterFirstEpoch(callbacks.StopBetweenBatches):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                signal.raise_signal(signal.SIGTERM)
    return TerminatedAfterFirstEpoch
