"""Training one class's model: resumable, and never losing the model it replaces.

Each epoch is backed up beside the model file; only when all epochs are done
is the new model written whole and put in place, the file it replaces kept.
A lock beside it keeps out a second run of the same class.
"""
import contextlib
import dataclasses
import fcntl
import json
import math
import os
import re
import shutil
import signal
import sys
import threading

import keras
import numpy as np

from pixel_rnn import files, startup
from pixel_rnn.modelfile import loading, saving, places
from pixel_rnn.runner import progress_mode
from pixel_rnn.errors import UsageError
from pixel_rnn import architectures
from pixel_rnn.description import MEASURED, ModelInfo


def train_class(levels, info, path, restart=False, logdir=None, distribute=False,
                held_out=None):
    """Train the model info describes on levels and put it at path, keeping
    the file it replaces, its bits/dim on held_out (levels of images of the
    class it was not trained on) recorded. Each epoch is backed up beside
    path, so running the same training again after an interruption goes on
    from the last one."""
    existing = loading.read_info(path)
    if existing and existing.same_training(info) and not restart:
        print(f'{path} already holds this training ({info.epochs} epochs); skipped '
              '(--restart trains it again)')
        return
    backup = ResumableBackup(places.resume_dir(path), class_run(info), restart, class_run_as_now)
    print(f'Training {info.summary()}')
    if existing or os.path.exists(path):
        print(f'{path} will be replaced when training ends; the old file goes to '
              f'{files.old_name(path)}')
    if backup.epoch:
        print(f'Resuming after epoch {backup.epoch} of {info.epochs} from {backup.backup_dir}')
    if info.seed is not None:
        keras.utils.set_random_seed(info.seed)
    callbacks = [backup] + ([keras.callbacks.TensorBoard(logdir)] if logdir else [])
    with device_scope(distribute), StopBetweenBatches() as stop:
        model = architectures.create(info)
        model.fit(levels, info.batch_size, info.epochs, callbacks + [stop],
                  verbose=progress_mode(), initial_epoch=backup.epoch)
    model.info = dataclasses.replace(info, loss=backup.loss, **held_out_record(model, held_out))
    kept = saving.install(model, path)
    shutil.rmtree(backup.backup_dir)
    print(f'Saved {path}' + (f'; the file it replaced is {kept}' if kept else ''))


def held_out_record(model, held_out):
    """The ModelInfo fields of model's bits/dim on held_out (levels), or none
    where there are no such images."""
    if held_out is None or not len(held_out):
        return {}
    bits = -model.log_likelihood(held_out) / (model.info.num_subpixels * math.log(2))
    return dict(held_out_bits=float(bits.mean()), held_out_bits_99=float(np.percentile(bits, 99)))


@contextlib.contextmanager
def locked(paths):
    """Within the with block, hold the lock beside each model file of paths
    (model_0.h5.lock), so that a second run training one of those classes
    into the same folder is refused at its start, not mixed with this one.
    The system drops a process's locks when it dies, so a killed run keeps
    no class locked."""
    with contextlib.ExitStack() as locks:
        for path in paths:
            locks.enter_context(lock(path))
        yield


@contextlib.contextmanager
def lock(path):
    lock_path = places.lock_path(path)
    os.makedirs(os.path.dirname(lock_path) or '.', exist_ok=True)
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise UsageError(f'{path} is being trained by another run now (it holds '
                             f'{lock_path}); wait for that run to end, or stop it') from None
        except OSError as error:  # a file system without locks (some network ones)
            print(f'warning: cannot lock {lock_path} ({error.strerror}); a second run of this '
                  'class at the same time would not be refused', file=sys.stderr)
            break
        # The lock of a file that its holder removed as it ended keeps nobody out.
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(descriptor), os.lstat(lock_path)):
                break
        os.close(descriptor)
    try:
        yield
    finally:
        files.remove_quietly(lock_path)
        os.close(descriptor)


def device_scope(distribute):
    """Where distribute, TensorFlow's MirroredStrategy over the local GPUs, or
    the CPU devices where there are none: one model, a copy per device, each
    batch split among them and the gradients summed. Otherwise Keras's own
    placement. On a GPU the GRU keeps cuDNN's settings (tanh, sigmoid,
    reset_after), so its fast kernel runs under either."""
    if not distribute:
        return contextlib.nullcontext()
    if keras.backend.backend() != 'tensorflow':
        raise UsageError(f'--distribute uses TensorFlow\'s MirroredStrategy; the Keras '
                         f'backend is {keras.backend.backend()} (set KERAS_BACKEND=tensorflow)')
    import tensorflow as tf
    devices = (tf.config.list_logical_devices('GPU') or tf.config.list_logical_devices('CPU'))
    strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
    print(f'One model on {strategy.num_replicas_in_sync} devices: '
          f"{', '.join(device.name for device in devices)}")
    return strategy.scope()


class StopBetweenBatches(keras.callbacks.Callback):
    """Within the with block, Ctrl-C stops fit at the end of the batch rather
    than wherever it lands: raised in the midst of TensorFlow's own code (as
    it makes an epoch's data iterator, say), it can leave objects half made,
    and an interrupted run has been seen to die of signal 11 instead of
    stopping. The end of a batch is a point fit is built to stop at (as when
    a callback raises). A second Ctrl-C stops at once. SIGTERM and SIGHUP
    stop it the same way."""

    def __enter__(self):
        self.requested = None  # the signal that asked
        # Only the main thread may set a handler; elsewhere Ctrl-C does not arrive.
        self.previous = ({number: signal.signal(number, self.request)
                          for number in startup.STOP_SIGNALS}
                         if threading.current_thread() is threading.main_thread() else {})
        return self

    def __exit__(self, *exception):
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def request(self, signum, frame):
        self.requested = signum
        signal.signal(signum, self.previous[signum])

    def on_train_begin(self, logs=None):
        # A class that began as the run was being stopped ends before a batch.
        self.on_train_batch_end(None)

    def on_train_batch_end(self, batch, logs=None):
        # In a parallel run's worker, the parent's word to stop (startup.py).
        if startup.stop_requested():
            raise KeyboardInterrupt
        if self.requested:
            startup.interrupt(self.requested)


def class_run(info):
    """The record of a class's training its backup is tied to."""
    return dataclasses.asdict(dataclasses.replace(info, **dict.fromkeys(MEASURED)))


def class_run_as_now(earlier):
    """A class's run record as this version writes it: a field added to
    ModelInfo since has its default, and a value an older version wrote means
    what it means in a model file of that version."""
    defaults = {field.name: field.default for field in dataclasses.fields(ModelInfo)
                if field.default is not dataclasses.MISSING}
    earlier = {**json.loads(json.dumps(defaults)), **earlier}
    with contextlib.suppress(TypeError):  # a field this version does not know
        earlier = class_run(ModelInfo(**earlier))
    return earlier


class ResumableBackup(keras.callbacks.Callback):
    """After every epoch, the weights and the optimizer's state (its step
    count with them, so the learning-rate schedule's place) backed up, and
    restored as fit begins again with initial_epoch=epoch, as Keras's
    BackupAndRestore does; safe to kill at any moment: each epoch's weights
    and record go to files named by the epoch, each written whole, so the
    newest complete pair is always there. The backup is tied to one training
    (run.json): another one refuses to start over it unless restart, which
    clears it."""

    def __init__(self, backup_dir, run, restart=False, as_now=None):
        """run: a JSON-able record of the training; as_now turns a record an
        earlier version wrote into today's terms, where they differ."""
        problem = files.own_folder_problem(backup_dir)
        if problem:
            # Cleared and written as this project's own: never through a link.
            raise UsageError(f'{backup_dir} {problem}, where the backup of this training '
                             'goes: move it away')
        super().__init__()
        self.backup_dir = backup_dir
        run = json.loads(json.dumps(run))
        run_path = os.path.join(backup_dir, 'run.json')
        if restart and os.path.exists(backup_dir):
            shutil.rmtree(backup_dir)
        if os.path.lexists(run_path):
            earlier = self.read(run_path)
            earlier = json.loads(json.dumps(as_now(earlier) if as_now else earlier))
            if earlier != run:
                raise UsageError(
                    f'{backup_dir} holds an interrupted training with other settings '
                    f'({differences(earlier, run)}); run that command again to finish it, '
                    'or add --restart to discard it')
        else:
            if os.path.exists(backup_dir):
                shutil.rmtree(backup_dir)  # killed before it recorded anything
            os.makedirs(backup_dir)
            files.write_whole(run_path, json.dumps(run).encode())
        self.epoch, self.loss = self.latest()

    def latest(self):
        """(epoch, loss) of the newest complete backup, or (0, None)."""
        records = (re.fullmatch(r'epoch_(\d+)\.json', name)
                   for name in os.listdir(self.backup_dir))
        epochs = sorted(int(record.group(1)) for record in records if record)
        for epoch in reversed(epochs):
            # An epoch is complete once its weights are: they are written first.
            if os.path.lexists(self.weights_path(epoch)):
                loss = self.read(self.record_path(epoch)).get('loss')
                if loss is not None and not (isinstance(loss, (int, float))
                                             and math.isfinite(loss)):
                    raise self.damaged(self.record_path(epoch), f'records a loss of {loss!r}')
                return epoch, loss
        return 0, None

    def read(self, path):
        """The record at path: a JSON object, read as untrusted."""
        try:
            data = files.read_own(path, MAX_RECORD_BYTES)
        except OSError as error:
            raise self.damaged(path, f'cannot be read ({error.strerror})') from None
        except ValueError as error:
            raise self.damaged(path, str(error)) from None
        try:
            record = json.loads(data)
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict):
            raise self.damaged(path, 'is not a record this project writes')
        return record

    def damaged(self, path, problem):
        return UsageError(f'{path} {problem}; add --restart to discard the backup in '
                          f'{self.backup_dir} and train from the start')

    def weights_path(self, epoch):
        return os.path.join(self.backup_dir, f'epoch_{epoch:05d}.weights.h5')

    def record_path(self, epoch):
        return os.path.join(self.backup_dir, f'epoch_{epoch:05d}.json')

    def on_train_begin(self, logs=None):
        if not self.epoch:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        path = self.weights_path(self.epoch)
        try:
            loading.load_backup_weights(self.model, path)
        except OSError as error:
            raise self.damaged(path, f'cannot be read ({error.strerror})') from None
        except ValueError as error:
            raise self.damaged(path, ' '.join(str(error).split())) from None

    def on_epoch_end(self, epoch, logs=None):
        self.loss = (logs or {}).get('loss')
        epoch += 1  # fit counts from 0; a backup names the epochs it holds
        files.write_whole(self.weights_path(epoch), saving.weights_image(self.model))
        files.write_whole(self.record_path(epoch),
                          json.dumps({'epoch': epoch, 'loss': self.loss}).encode())
        for older in range(1, epoch):
            files.remove_quietly(self.record_path(older))
            files.remove_quietly(self.weights_path(older))
        self.epoch = epoch


# A backup's record (run.json, epoch_00001.json) is a few hundred bytes.
MAX_RECORD_BYTES = 2**16


def differences(earlier, now):
    return ', '.join(f'{key} {earlier.get(key)!r} then, {value!r} now'
                     for key, value in now.items() if earlier.get(key) != value)
