"""Training runs that are interrupted, resumed and repeated never lose a model."""
import contextlib
import dataclasses
import errno
import fcntl
import glob
import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import h5py
import keras
import numpy as np
import pytest

from pixel_rnn import startup
from pixel_rnn.datasets import checks
from pixel_rnn.datasets import mnist
from pixel_rnn.training import callbacks
from pixel_rnn.training import one_class
from pixel_rnn.training import parallel
from pixel_rnn.modelfile import saving
from pixel_rnn.modelfile import loading
import config
from conftest import (ROOT, assert_one_line, model_info, rigged_model, run_in_process,
                      snapshot, start, terminated_after_first_epoch)
from pixel_rnn.errors import UsageError
from pixel_rnn import architectures
from pixel_rnn import images as imaging
from pixel_rnn.training.classes import train_classes


def train_command(models_dir, *extra):
    return ['train_mnist.py', '--digit=0', '--num_images=24', '--epochs=4',
            '--batch_size=8', '--seed=0', '--data=bundled', f'--models_dir={models_dir}', *extra]


def tiny_train_command(models_dir, *extra):
    """A training over in seconds, but for Keras's start."""
    return ['train_mnist.py', '--num_images=8', '--epochs=1', '--batch_size=8',
            '--units=8', '--seed=0', '--data=bundled', f'--models_dir={models_dir}', *extra]


def run_until(command, condition, sig=signal.SIGKILL, timeout=180):
    """Run command; the moment condition() holds, send it sig. Returns
    (exit status, stdout, stderr)."""
    process = start(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if condition():
            process.send_signal(sig)
            break
        time.sleep(0.002)
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def temporaries(folder):
    return glob.glob(os.path.join(folder, '**', '*.tmp*'), recursive=True)


def assert_old_or_complete_new(path, old_bytes):
    with open(path, 'rb') as f:
        if f.read() == old_bytes:
            return
    model = loading.load(path)
    assert model.info.epochs == 4 and model.info.loss is not None


@pytest.mark.slow
def test_a_run_killed_at_any_moment_keeps_the_old_model_and_resumes(tmp_path, monkeypatch):
    models_dir = str(tmp_path)
    path = config.model_path(models_dir, 0)
    saving.save(rigged_model(np.full(7, 1 / 7)), path)
    old_bytes = open(path, 'rb').read()
    resume_dir = path + '.resume'

    # Stopped (SIGTERM, as Ctrl-C) after the first epoch: the old model stays,
    # and the message says so truly.
    with monkeypatch.context() as patch:
        patch.setattr(callbacks, 'StopBetweenBatches', terminated_after_first_epoch())
        result = run_in_process(*train_command(models_dir))
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert os.path.exists(f'{resume_dir}/epoch_00001.json')
    assert f'the old file goes to {path}.~1~' in result.stdout
    assert result.stderr.strip() == ('train_mnist.py: stopped; every file in place is as before '
                                     'or complete (run the same command again to resume '
                                     'training)')
    assert open(path, 'rb').read() == old_bytes

    # Another training is refused rather than mixed with the interrupted one.
    result = run_in_process(*train_command(models_dir, '--epochs=5'))
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert 'epochs 4 then, 5 now' in result.stderr and '--restart' in result.stderr

    # Killed outright while it writes the finished model.
    status, stdout, stderr = run_until(
        train_command(models_dir),
        lambda: glob.glob(os.path.join(glob.escape(models_dir), 'model_0.*.tmp.h5')))
    assert 'Resuming after epoch 1 of 4' in stdout, stderr
    assert 'Epoch 2/4' in stdout and 'Epoch 1/4' not in stdout
    assert_old_or_complete_new(path, old_bytes)

    # The same command again finishes the job and cleans up after the killed run.
    result = run_in_process(*train_command(models_dir))
    assert result.returncode == 0, result.stderr
    assert not os.path.exists(resume_dir) and temporaries(models_dir) == []
    assert open(path + '.~1~', 'rb').read() == old_bytes
    resumed = loading.load(path)
    assert resumed.info.epochs == 4 and resumed.info.num_images == 24

    # An uninterrupted run of the same seed ends at the same loss, within noise.
    other_dir = str(tmp_path / 'uninterrupted')
    result = run_in_process(*train_command(other_dir))
    assert result.returncode == 0, result.stderr
    uninterrupted = loading.load(config.model_path(other_dir, 0))
    assert resumed.info.loss == pytest.approx(uninterrupted.info.loss, rel=0.05)


class PressCtrlC(keras.callbacks.Callback):
    """Sends this process the signal presses times as batch 1 begins; notes
    each batch that ends."""

    def __init__(self, presses, number=signal.SIGINT):
        super().__init__()
        self.presses, self.number, self.ended = presses, number, []

    def on_train_batch_begin(self, batch, logs=None):
        for _ in range(self.presses if batch == 1 else 0):
            # Raised in this thread, so each press is handled before the next is
            # sent; two sent to the process at once can arrive as one.
            signal.raise_signal(self.number)

    def on_train_batch_end(self, batch, logs=None):
        self.ended.append(batch)


@pytest.mark.parametrize('number', [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=['Ctrl-C', 'SIGTERM', 'SIGHUP'])
@pytest.mark.parametrize('presses, batches_ended', [(1, [0, 1]), (2, [0])])
def test_ctrl_c_stops_fit_at_the_end_of_the_batch_and_twice_at_once(presses, batches_ended,
                                                                     number):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile('sgd', 'mse')
    press = PressCtrlC(presses, number)
    # As a script run from a shell has them (runner.run), whatever an earlier test left.
    inherited = signal.signal(number, startup.interrupt)
    try:
        with pytest.raises(KeyboardInterrupt) as stopped, callbacks.StopBetweenBatches() as stop:
            model.fit(np.zeros((4, 1)), np.zeros(4), batch_size=1, callbacks=[press, stop],
                      verbose=0)
        assert press.ended == batches_ended, f'the signal was handled by {inherited} before'
        assert signal.getsignal(number) is startup.interrupt
        assert getattr(stopped.value, 'signum', signal.SIGINT) == number
    finally:
        signal.signal(number, inherited)


@pytest.mark.slow
def test_kills_during_backups_leave_a_complete_epoch_to_resume_from(tmp_path):
    models_dir = str(tmp_path)
    resume_dir = config.model_path(models_dir, 0) + '.resume'
    status, _, _ = run_until(train_command(models_dir),
                             lambda: glob.glob(f'{glob.escape(resume_dir)}/*.tmp.weights.h5'))
    assert status == -signal.SIGKILL
    result = run_in_process(*train_command(models_dir))
    assert result.returncode == 0, result.stderr
    assert temporaries(models_dir) == [] and not os.path.exists(resume_dir)
    assert loading.load(config.model_path(models_dir, 0)).info.epochs == 4


def tiny_dataset():
    bundled = mnist.load('bundled')
    keep = np.isin(bundled.y_train, [0, 1])
    return checks.Dataset(bundled.x_train[keep], bundled.y_train[keep], bundled.x_test[:0],
                           bundled.y_test[:0], ['0', '1'], 'bundled')


def test_classes_already_trained_the_same_way_are_skipped(tmp_path, capsys):
    template = model_info(units=4, class_name='', image_size=6, skip=0, epochs=1,
                          batch_size=16, seed=1)
    # One at a time (the parallel run's skipping is tested with it, below).
    train_classes(tiny_dataset(), template, [0, 1], str(tmp_path), num_images=16, jobs=1)
    first = {name: open(tmp_path / name, 'rb').read() for name in ('model_0.h5', 'model_1.h5')}
    capsys.readouterr()
    train_classes(tiny_dataset(), template, [0, 1], str(tmp_path), num_images=16, jobs=1)
    assert capsys.readouterr().out.count('already holds this training') == 2
    assert {name: open(tmp_path / name, 'rb').read() for name in first} == first
    assert sorted(os.listdir(tmp_path)) == ['model_0.h5', 'model_1.h5']


def test_a_trained_model_records_its_bits_per_dim_on_images_it_did_not_train_on(tmp_path):
    template = model_info(units=4, class_name='', image_size=6, skip=2, epochs=1,
                          batch_size=16, seed=1)
    dataset = tiny_dataset()
    train_classes(dataset, template, [1], str(tmp_path), num_images=16, jobs=1)
    model = loading.load(str(tmp_path / 'model_1.h5'))
    # The class's training images it did not train on: the 2 skipped, then
    # those after the 16 trained on; up to 1,000.
    in_class = dataset.x_train[dataset.y_train == 1]
    held_out = np.concatenate([in_class[:2], in_class[18:]])[:1000]
    assert len(held_out) == 484
    bits = -model.log_likelihood(imaging.to_levels(held_out, model.info)) / (36 * np.log(2))
    assert model.info.held_out_bits == pytest.approx(bits.mean(), rel=1e-5)
    assert model.info.held_out_bits_1 == pytest.approx(np.percentile(bits, 1), rel=1e-5)
    assert model.info.held_out_bits_99 == pytest.approx(np.percentile(bits, 99), rel=1e-5)
    assert model.info.held_out_bits_1 < model.info.held_out_bits < model.info.held_out_bits_99
    assert '1% under' in model.info.summary() and '99% under' in model.info.summary()


@pytest.mark.slow
def test_recording_a_shipped_sets_held_out_figures_leaves_its_likelihoods_as_they_were(tmp_path):
    """bench/record_held_out.py on a copy of the shipped GRU set: it skipped
    the first 500 training images of each digit, which are the bundled ones,
    so the figures measured on them are those it ships with; each file is
    written again whole, its weights and the rest of its record as they were."""
    models_dir = tmp_path / 'models'
    shutil.copytree(os.path.join(ROOT, 'trained', 'mnist_models'), models_dir)
    bundled = mnist.load('bundled')
    paths = [config.model_path(str(models_dir), digit) for digit in range(10)]
    before = [loading.load(path) for path in paths]
    levels = imaging.to_levels(bundled.x_test[::25], before[0].info)
    likelihoods = [model.log_likelihood(levels) for model in before]
    figures = ('held_out_bits', 'held_out_bits_1', 'held_out_bits_99')
    for path in paths:  # the figures taken away, to be measured again
        with h5py.File(path, 'r+') as f:
            for name in figures:
                del f.attrs[name]
    result = subprocess.run([sys.executable, 'bench/record_held_out.py', '--data=bundled',
                             f'--models_dir={models_dir}'], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(' on 500 held-out images') == 10, result.stdout
    for path, shipped, likelihood in zip(paths, before, likelihoods):
        model = loading.load(path)
        np.testing.assert_array_equal(model.log_likelihood(levels), likelihood)
        for name in figures:
            assert getattr(model.info, name) == pytest.approx(getattr(shipped.info, name),
                                                             rel=1e-6), (path, name)
        written = dict.fromkeys(figures + ('keras_version',))
        assert (dataclasses.replace(model.info, **written)
                == dataclasses.replace(shipped.info, **written)), path


@pytest.mark.parametrize('params', [dict(arch='gru', units=4),
                                    dict(arch='pixelcnn', filters=4, depth=1)],
                         ids=['gru', 'pixelcnn'])
def test_a_class_trained_after_others_alike_trains_as_it_would_first(tmp_path, monkeypatch,
                                                                     params):
    template = model_info(class_name='', image_size=6, skip=0, epochs=2, batch_size=16, seed=3,
                          **params)
    monkeypatch.setattr(one_class, 'last_trained', (None, None))
    first = str(tmp_path / 'first')
    train_classes(tiny_dataset(), template, [1], first, num_images=32, jobs=1)
    trained_in = one_class.last_trained[1]
    # With TensorFlow; elsewhere each class has a network of its own (model_to_train).
    assert trained_in is not None or keras.backend.backend() != 'tensorflow'
    # Class 1 again, after class 0 of the same network: in the same model,
    # its network compiled once, its optimizer begun again.
    after = str(tmp_path / 'after')
    train_classes(tiny_dataset(), template, [0, 1], after, num_images=32, jobs=1)
    assert one_class.last_trained[1] is trained_in
    for alone, again in zip(loading.load(config.model_path(first, '1')).network.get_weights(),
                            loading.load(config.model_path(after, '1')).network.get_weights()):
        np.testing.assert_array_equal(alone, again)


@pytest.mark.slow
def test_classes_trained_in_parallel_train_as_they_would_alone(tmp_path, capsys):
    template = model_info(units=4, class_name='', image_size=6, skip=0, epochs=2,
                          batch_size=16, seed=3)
    alone, together = str(tmp_path / 'alone'), str(tmp_path / 'together')
    train_classes(tiny_dataset(), template, [0, 1], alone, num_images=32, jobs=1)
    train_classes(tiny_dataset(), template, [0, 1], together, num_images=32, jobs=2)
    out = capsys.readouterr().out
    assert 'Training 2 classes, 2 at a time' in out
    assert sorted(os.listdir(together)) == ['model_0.h5', 'model_1.h5'], 'logs removed'
    for name in ('0', '1'):
        first = loading.load(config.model_path(alone, name)).info
        second = loading.load(config.model_path(together, name)).info
        assert first.same_training(second)
        assert second.loss == pytest.approx(first.loss, rel=1e-4)
        assert (f'{name}: loss {second.loss:.4f} at the end of training; '
                f'Saved {config.model_path(together, name)}') in out
        # Not a terminal: a plain line per class per epoch.
        assert f'{name}: epoch 1/2, loss ' in out and ' left\n' in out
        assert f'{name}: epoch 2/2, loss {second.loss:.4f}, 0 min 00 s left\n' in out
    assert '\x1b' not in out, 'no control characters in a log or a pipe'
    # Run again with every class done: said, and no worker or log started.
    train_classes(tiny_dataset(), template, [0, 1], together, num_images=32, jobs=2)
    out = capsys.readouterr().out
    assert out.count('already holds this training') == 2
    assert 'progress in' not in out and 'Training 2 classes' not in out, out


@pytest.mark.slow
def test_classes_in_parallel_show_a_line_each_redrawn_in_place_on_a_terminal(tmp_path):
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, 'train_mnist.py', '--all_digits', '--jobs=2', '--num_images=20',
         '--epochs=2', '--units=8', '--target_size=6', '--seed=0', '--data=bundled',
         f'--models_dir={tmp_path}'], cwd=ROOT, stdout=terminal, stderr=subprocess.PIPE)
    os.close(terminal)
    written = b''
    with contextlib.suppress(OSError):  # EIO: every process holding the terminal has ended
        while chunk := os.read(main, 1 << 16):
            written += chunk
    os.close(main)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    text = written.decode().replace('\r\n', '\n')
    assert 'epoch 1/2, loss ' in text and ' left' in text, text
    screen = on_screen(text)
    assert screen[0].startswith('Training 10 classes, 2 at a time'), screen
    paths = [config.model_path(str(tmp_path), digit) for digit in range(10)]
    assert screen[1:] == [f'{digit}: loss {loading.read_info(path).loss:.4f} at the end of '
                          f'training; Saved {path}' for digit, path in enumerate(paths)], screen


def on_screen(text):
    """The lines a terminal shows after text: written in order, but for the
    control sequences of parallel.py's progress lines: back up n lines (CSI n F), clear the
    line (CSI 2 K)."""
    screen, row = [''], 0
    for part in re.split(r'(\x1b\[\d*[FK]|\n)', text):
        if part == '\n':
            row += 1
            screen += [''] * (row + 1 - len(screen))
        elif part.startswith('\x1b[') and part.endswith('F'):
            row -= int(part[2:-1])
        elif part == '\x1b[2K':
            screen[row] = ''
        else:
            screen[row] += part
    return [line for line in screen if line]


@pytest.mark.slow
def test_ctrl_c_stops_classes_in_parallel_and_the_ones_queued_after_them(tmp_path):
    models_dir = str(tmp_path)
    command = [sys.executable, 'train_mnist.py', '--all_digits', '--jobs=2', '--num_images=40',
               '--epochs=1000', '--batch_size=8', '--units=16', '--seed=0', '--data=bundled',
               f'--models_dir={models_dir}']
    # As Ctrl-C at a terminal does: SIGINT to the script and its workers.
    process = start(command[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    start_new_session=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(f'{models_dir}/model_0.h5.resume/epoch_00001.json'):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    # The workers train; the script that hands them classes never loaded TensorFlow.
    with open(f'/proc/{process.pid}/maps') as maps:
        assert 'tensorflow' not in maps.read()
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert 'interrupted; every file in place is as before or complete' in stderr
    # The two classes under way stopped; none of the eight queued ones began.
    assert not glob.glob(f'{models_dir}/model_[2-9].h5*')
    assert not glob.glob(f'{models_dir}/model_?.h5')


DISTRIBUTED = '''
import sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices('CPU')[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path[:0] = ['.', 'tests']
from pixel_rnn.modelfile import loading
from pixel_rnn.training import callbacks
from pixel_rnn.training import one_class
from conftest import model_info
info = model_info(units=8, image_size=6, epochs=2, batch_size=8, seed=0)
levels = np.random.default_rng(0).integers(0, 7, (16, 6, 6))
one_class.train_class(levels, info, sys.argv[1], distribute=True)
one_class.train_class(levels, info, sys.argv[2])
print('losses', loading.load(sys.argv[1]).info.loss, loading.load(sys.argv[2]).info.loss)
'''


@pytest.mark.slow
def test_distribute_trains_one_model_over_two_devices(tmp_path):
    path, alone = str(tmp_path / 'model_0.h5'), str(tmp_path / 'alone' / 'model_0.h5')
    result = subprocess.run([sys.executable, '-c', DISTRIBUTED, path, alone], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'One model on 2 devices: /device:CPU:0, /device:CPU:1' in result.stdout
    # Each batch split between the devices and the gradients summed: the
    # same steps as one device takes on the whole batch.
    distributed, on_one_device = map(float, result.stdout.split('losses')[-1].split())
    assert distributed == pytest.approx(on_one_device, rel=1e-4)
    assert sorted(os.listdir(tmp_path)) == ['alone', 'model_0.h5']


def replaced(make):
    def damage(path):
        os.remove(path)
        make(path)
    return damage


def written(data):
    def damage(path):
        with open(path, 'wb') as f:
            f.write(data)
    return damage


def with_weights(change):
    """A backup's weights file with its logits layer's kernel changed by change(file, name)."""
    def damage(path):
        with h5py.File(path, 'r+') as f:
            change(f, 'model_weights/logits/logits/kernel')
    return damage


def not_finite(f, name):
    f[name][0, 0] = np.nan


def stored_elsewhere(f, name):
    del f[name]
    f[name] = h5py.ExternalLink('/dev/zero', '/x')


def shared(f, name):
    del f[name]
    f[name] = f['model_weights/logits/logits/bias']


def enlarged(f, name):
    del f[name]
    f.create_dataset(name, shape=(4000, 1000), dtype=np.float32, chunks=(100, 100))


def other_state(f, name):
    del f['optimizer_weights/00001']


WEIGHTS = 'epoch_00001.weights.h5'
BACKUP_DAMAGE = [
    ('run.json', written(b'{half'), 'run.json is not a record'),
    ('epoch_00001.json', written(b'{half'), 'epoch_00001.json is not a record'),
    ('epoch_00001.json', written(b'{"loss": NaN}'), 'records a loss of nan'),
    ('epoch_00001.json', written(b' ' * 70_000), 'more than such a file ever is'),
    ('epoch_00001.json', replaced(os.mkfifo), 'is a FIFO (named pipe), not a file'),
    (WEIGHTS, written(b'{half'), 'is not a readable backup'),
    (WEIGHTS, replaced(os.mkfifo), 'is a FIFO (named pipe), not a file'),
    (WEIGHTS, replaced(os.mkdir), 'is a folder, not a file'),
    (WEIGHTS, replaced(lambda path: os.symlink('/etc/passwd', path)), 'is a symbolic link'),
    (WEIGHTS, with_weights(not_finite), 'values that are not finite'),
    (WEIGHTS, with_weights(stored_elsewhere), "a link to '/dev/zero', not stored in the file"),
    (WEIGHTS, with_weights(shared), 'weights where the model it declares has'),
    (WEIGHTS, with_weights(enlarged), 'stores 4,000,'),
    (WEIGHTS, with_weights(other_state), 'the state of another optimizer'),
]


BACKED_UP = model_info(units=4, class_name='0', image_size=6, skip=0, epochs=2, batch_size=16,
                       seed=1)
BACKED_UP_LEVELS = np.random.default_rng(0).integers(0, 7, (16, 6, 6))


@pytest.fixture(scope='module')
def one_epoch_backed_up(tmp_path_factory):
    """A class's backup after one epoch of two, as an interrupted run leaves it."""
    path = str(tmp_path_factory.mktemp('backed_up') / 'model_0.h5')
    backup = callbacks.ResumableBackup(path + '.resume', one_class.training_record(BACKED_UP))
    architectures.create(BACKED_UP).fit(BACKED_UP_LEVELS, 16, 1, [backup], verbose=0)
    return path + '.resume'


def damaged_backup(tmp_path, backup, name, damage):
    """The model file's path, beside a copy of backup damaged at name."""
    shutil.copytree(backup, tmp_path / 'model_0.h5.resume')
    damage(str(tmp_path / 'model_0.h5.resume' / name))
    return str(tmp_path / 'model_0.h5')


@pytest.mark.parametrize('name, damage, words', BACKUP_DAMAGE,
                         ids=[f'{name} {words}' for name, _, words in BACKUP_DAMAGE])
def test_a_damaged_backup_is_refused_in_one_line_with_the_way_out(tmp_path, one_epoch_backed_up,
                                                                   name, damage, words):
    path = damaged_backup(tmp_path, one_epoch_backed_up, name, damage)
    signal.alarm(60)  # a FIFO read would block for ever
    try:
        with pytest.raises(UsageError) as refusal:
            one_class.train_class(BACKED_UP_LEVELS, BACKED_UP, path)
    finally:
        signal.alarm(0)
    message = str(refusal.value)
    assert name in message and words in message and '--restart' in message, message
    assert '\n' not in message
    assert not os.path.exists(path)


def test_a_backup_the_system_fails_to_read_is_not_called_damaged(tmp_path, one_epoch_backed_up,
                                                                 monkeypatch):
    path = damaged_backup(tmp_path, one_epoch_backed_up, WEIGHTS, lambda name: None)
    real_open = os.open

    def failing_open(name, *args, **kwargs):
        if str(name).endswith('epoch_00001.json'):
            raise OSError(errno.EIO, os.strerror(errno.EIO), name)
        return real_open(name, *args, **kwargs)
    monkeypatch.setattr(os, 'open', failing_open)
    with pytest.raises(OSError) as failure:  # the system's error: no advice to discard it
        one_class.train_class(BACKED_UP_LEVELS, BACKED_UP, path)
    assert failure.value.errno == errno.EIO and not isinstance(failure.value, UsageError)
    monkeypatch.undo()
    one_class.train_class(BACKED_UP_LEVELS, BACKED_UP, path)  # the disk back: it resumes
    assert loading.load(path).info.epochs == 2


def test_the_way_out_of_a_damaged_backup_trains_from_the_start(tmp_path, one_epoch_backed_up):
    path = damaged_backup(tmp_path, one_epoch_backed_up, WEIGHTS, written(b'{half'))
    one_class.train_class(BACKED_UP_LEVELS, BACKED_UP, path, restart=True)
    assert loading.load(path).info.epochs == 2


@pytest.mark.parametrize('shifts, recorded, refused', [
    (0, None, "shifts 0 then, 4 now"),  # a record written before --shifts existed
    (4, True, "shifts 4 then, 8 now"),  # written when --shifts took no count
])
def test_a_backup_recorded_by_an_older_version_resumes_as_it_meant(tmp_path, shifts, recorded,
                                                                  refused):
    template = model_info(units=4, class_name='0', image_size=6, skip=0, epochs=2,
                          batch_size=16, seed=1, shifts=shifts)
    backup_dir = str(tmp_path / 'model_0.h5.resume')
    run = one_class.training_record(template)
    backup = callbacks.ResumableBackup(backup_dir, run, as_now=one_class.training_record_as_now)
    run_path = os.path.join(backup_dir, 'run.json')
    with open(run_path) as f:
        record = json.load(f)
    if recorded is None:
        del record['shifts']
    else:
        record['shifts'] = recorded
    with open(run_path, 'w') as f:
        json.dump(record, f)
    again = callbacks.ResumableBackup(backup_dir, run, as_now=one_class.training_record_as_now)
    assert again.epoch == backup.epoch
    with pytest.raises(UsageError, match=refused):
        callbacks.ResumableBackup(
            backup_dir, one_class.training_record(dataclasses.replace(template, shifts=shifts + 4)),
            as_now=one_class.training_record_as_now)


def test_parallel_workers_take_gpu_memory_as_they_need_it(monkeypatch):
    # Set here so that monkeypatch puts back what the call changes.
    for name in ('TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS', 'OMP_NUM_THREADS'):
        monkeypatch.setenv(name, '1')
    monkeypatch.delenv('TF_FORCE_GPU_ALLOW_GROWTH', raising=False)
    monkeypatch.delenv('XLA_PYTHON_CLIENT_PREALLOCATE', raising=False)
    parallel.train_in_parallel([], jobs=2)
    assert os.environ['TF_FORCE_GPU_ALLOW_GROWTH'] == 'true'
    assert os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'] == 'false'
    monkeypatch.setenv('XLA_PYTHON_CLIENT_PREALLOCATE', 'true')  # the user's own choice
    parallel.train_in_parallel([], jobs=2)
    assert os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'] == 'true'


@pytest.mark.slow
def test_files_not_the_projects_are_left_alone_and_a_link_loop_is_no_trap(tmp_path):
    host = socket.gethostname()
    models_dir = tmp_path / 'models'
    (models_dir / 'sub' / 'deeper').mkdir(parents=True)
    # Named as temporaries of dead runs of this host, but of files not the project's,
    # or not beside the model.
    (models_dir / f'notes.999998@{host}.tmp.txt').write_text('notes')
    (models_dir / 'sub' / 'deeper' / f'thesis.999999@{host}.tmp.docx').write_text('thesis')
    (models_dir / 'sub' / f'model_0.999999999@{host}.tmp.h5').write_text('not beside it')
    (models_dir / 'a').symlink_to('.')
    users = snapshot(models_dir)
    stale = models_dir / f'model_0.999999999@{host}.tmp.h5'  # a killed run's, beside the model
    stale.write_text('half a model')
    # The link loop once made it hang.
    result = run_in_process(*tiny_train_command(models_dir), timeout=120)
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    after = snapshot(models_dir)
    assert after.pop('model_0.h5') and after == users


@pytest.mark.slow
def test_a_second_run_of_a_class_is_refused_at_its_start_and_a_killed_one_locks_nothing(
        tmp_path):
    models_dir = str(tmp_path)
    long_training = train_command(models_dir, '--num_images=200', '--epochs=50')
    first = start(long_training, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(f'{models_dir}/model_0.h5.resume/run.json'):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        second = run_in_process(*long_training)
        assert first.poll() is None, 'the first run trains on'
    finally:
        first.kill()
        first.wait()
    assert_one_line(second, 2, f'{models_dir}/model_0.h5 is being trained by another run')
    assert 'Training' not in second.stdout
    # The killed run's lock holds nobody back.
    with open(f'{models_dir}/model_0.h5.lock') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a file system of its own, 4 MB, to fill."""
    disk = tmp_path / 'disk'
    disk.mkdir()
    mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f'a full disk needs a small tmpfs, and mounting one is not allowed here '
                    f'({mounted.stderr.strip()})')
    yield disk
    subprocess.run(['umount', str(disk)], check=True)


def leave_free(disk, size):
    """Fill disk with one file (filler) so that about size bytes stay free."""
    filler = disk / 'filler'
    filler.touch()
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize + filler.stat().st_blocks * 512
    with open(filler, 'r+b') as f:
        f.truncate(0)
        os.posix_fallocate(f.fileno(), 0, free - size)


def file_sizes(units):
    """Bytes of an epoch's backup and of the finished model of a GRU of units units."""
    info = model_info(units=units, epochs=2, batch_size=8)
    with tempfile.TemporaryDirectory() as folder:
        backup = callbacks.ResumableBackup(os.path.join(folder, 'model_0.h5.resume'),
                                           one_class.training_record(info))
        model = architectures.create(info)
        model.fit(np.zeros((8, 10, 10), np.uint8), 8, 1, [backup], verbose=0)
        saving.save(model, os.path.join(folder, 'model_0.h5'))
        return (os.path.getsize(backup.weights_path(1)),
                os.path.getsize(os.path.join(folder, 'model_0.h5')))


@pytest.mark.slow
def test_a_full_disk_ends_in_one_line_harming_nothing_and_the_next_run_resumes(small_disk):
    backup_size, model_size = file_sizes(units=64)
    page = os.statvfs(small_disk).f_frsize
    models_dir = small_disk / 'models'
    models_dir.mkdir()
    saving.save(rigged_model(np.full(7, 1 / 7)), str(models_dir / 'model_0.h5'))

    def train(digit, epochs):
        return run_in_process('train_mnist.py', f'--digit={digit}', '--num_images=16',
                              f'--epochs={epochs}', '--batch_size=8', '--units=64', '--seed=0',
                              '--data=bundled', f'--models_dir={models_dir}')

    def assert_full_and_nothing_harmed(result, before, digit):
        assert_one_line(result, 1, 'the disk is full',
                        'every file in place is as before or complete')
        after = snapshot(models_dir)
        assert not [name for name in after if '.tmp' in name]
        backup = f'model_{digit}.h5.resume'  # what a rerun resumes from
        assert ({name: held for name, held in after.items() if not name.startswith(backup)}
                == {name: held for name, held in before.items() if not name.startswith(backup)})

    # Room for the first epoch's backup, not for the second's beside it.
    leave_free(small_disk, 4 * page + backup_size * 3 // 2)
    before = snapshot(models_dir)
    result = train(0, epochs=2)
    assert_full_and_nothing_harmed(result, before, 0)
    assert 'Epoch 2/2' in result.stdout
    result = train(0, epochs=2)  # once crashed at the same place
    assert_full_and_nothing_harmed(result, before, 0)
    assert 'Resuming after epoch 1 of 2' in result.stdout

    # Room for the backup, not for the finished model beside it.
    leave_free(small_disk, 4 * page + backup_size + model_size // 2)
    before = snapshot(models_dir)
    result = train(1, epochs=1)
    assert_full_and_nothing_harmed(result, before, 1)
    assert 'model_1.h5' not in os.listdir(models_dir)

    (small_disk / 'filler').unlink()
    result = train(1, epochs=1)
    assert result.returncode == 0, result.stderr
    assert 'Resuming after epoch 1 of 1' in result.stdout
    assert loading.load(str(models_dir / 'model_1.h5')).info.epochs == 1


@pytest.mark.slow
def test_ctrl_c_as_a_class_ends_stops_every_class_in_parallel(tmp_path):
    models_dir = str(tmp_path)
    # As Ctrl-C at a terminal does: SIGINT to the script and its workers.
    # Epochs enough that the eight classes after the first two outlast a poll
    # that a loaded machine starves for seconds (at 2, the run could end first).
    process = start(tiny_train_command(models_dir, '--all_digits', '--jobs=2', '--num_images=16',
                                       '--epochs=20'),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def a_class_ended():
        for log in glob.glob(f'{glob.escape(models_dir)}/*.log'):
            lines = []
            with contextlib.suppress(OSError), open(log) as f:
                lines = f.read().splitlines()
            if any('Saved' in line for line in lines):
                # A worker's log begins with its class's training, not
                # TensorFlow's start-up lines (held back as Keras starts).
                assert lines[0].startswith('Training '), lines[:3]
                return True
        return False

    deadline = time.monotonic() + 240
    while not a_class_ended():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    os.killpg(process.pid, signal.SIGINT)
    # A class that had begun holds its log, or its model where it has ended
    # since (its log then removed): the class that ended above may be one.
    begun = {name.removesuffix('.log') for name in os.listdir(models_dir)
             if name.endswith(('.h5', '.h5.log'))}
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert 'interrupted; every file in place is as before or complete' in stderr
    saved = set(glob.glob('model_?.h5', root_dir=models_dir))
    assert saved and saved <= begun, 'no class that had not begun at Ctrl-C is trained'
    assert not glob.glob(f'{glob.escape(models_dir)}/*.log'), 'no logs left of stopped classes'
    assert not glob.glob(f'{glob.escape(models_dir)}/*.lock')
