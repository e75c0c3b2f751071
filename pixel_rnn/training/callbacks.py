"""The callbacks a training's fit runs with: one that stops it between
batches, and a backup after every epoch to resume from."""
import json
import math
import os
import re
import shutil
import signal
import threading

import keras

from pixel_rnn import files, startup
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import backups


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


class Reported(keras.callbacks.Callback):
    """In a parallel run's worker: the class's start (after first_epoch, of
    epochs) and each epoch's end with its loss, told to the parent
    (startup.report), which shows them."""

    def __init__(self, name, first_epoch, epochs):
        super().__init__()
        self.name, self.first_epoch, self.epochs = name, first_epoch, epochs

    def on_train_begin(self, logs=None):
        startup.report(self.name, self.first_epoch, self.epochs, None)

    def on_epoch_end(self, epoch, logs=None):
        startup.report(self.name, epoch + 1, self.epochs, (logs or {}).get('loss'))


class ResumableBackup(keras.callbacks.Callback):
    """After every epoch, the weights and the optimizer's state (its step
    count with them, so the learning-rate schedule's place) backed up, and
    restored as fit begins again with initial_epoch=epoch, as Keras's
    BackupAndRestore does; safe to kill at any moment: each epoch's weights
    and record go to files named by the epoch, each written whole, so the
    newest complete pair is always there. The backup is tied to one training
    (run.json): another one refuses to start over it unless restart, which
    clears it."""

    def __init__(self, backup_dir, record, restart=False, as_now=None):
        """record: a JSON-able record of the training; as_now turns a record an
        earlier version wrote into today's terms, where they differ."""
        problem = files.own_folder_problem(backup_dir)
        if problem:
            # Cleared and written as this project's own: never through a link.
            raise UsageError(f'{backup_dir} {problem}, where the backup of this training '
                             'goes: move it away')
        super().__init__()
        self.backup_dir = backup_dir
        record = json.loads(json.dumps(record))
        run_path = os.path.join(backup_dir, 'run.json')
        if restart and os.path.exists(backup_dir):
            shutil.rmtree(backup_dir)
        if os.path.lexists(run_path):
            earlier = self.read(run_path)
            earlier = json.loads(json.dumps(as_now(earlier) if as_now else earlier))
            if earlier != record:
                raise UsageError(
                    f'{backup_dir} holds an interrupted training with other settings '
                    f'({differences(earlier, record)}); run that command again to finish it, '
                    'or add --restart to discard it')
        else:
            if os.path.exists(backup_dir):
                shutil.rmtree(backup_dir)  # killed before it recorded anything
            os.makedirs(backup_dir)
            files.write_whole(run_path, json.dumps(record).encode())
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
            backups.load_weights(self.model, path)
        except OSError as error:
            raise self.damaged(path, f'cannot be read ({error.strerror})') from None
        except ValueError as error:  # not a regular file of ours
            raise self.damaged(path, ' '.join(str(error).split())) from None
        except UsageError as error:  # it names the file and what is wrong
            raise UsageError(f'{error}; add --restart to discard the backup in '
                             f'{self.backup_dir} and train from the start') from None

    def on_epoch_end(self, epoch, logs=None):
        self.loss = (logs or {}).get('loss')
        epoch += 1  # fit counts from 0; a backup names the epochs it holds
        files.write_whole(self.weights_path(epoch), backups.weights_image(self.model))
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
