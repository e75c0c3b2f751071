"""The callbacks a training's fit runs with: one that stops it between
batches, one that tells a parallel run's parent its progress, and a backup
after every epoch to resume from."""
import json
import math
import os
import re
import shutil
import signal

import keras

from pixel_rnn import files, startup
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import backups
from pixel_rnn.training import parallel


class StopBetweenBatches(keras.callbacks.Callback):
    """Within the with block, Ctrl-C (SIGTERM, SIGHUP) stops fit at the end
    of the batch rather than wherever it lands: raised in the midst of
    TensorFlow's own code (as it makes an epoch's data iterator, say), it can
    leave objects half made, and an interrupted run has been seen to die of
    signal 11 instead of stopping. A second one stops at once."""

    def __enter__(self):
        self.requested = None  # the signal that asked
        self.previous = startup.handle(self.request)
        return self

    def __exit__(self, *exception):
        startup.restore(self.previous)

    def request(self, signum, frame):
        self.requested = signum
        signal.signal(signum, self.previous[signum])

    def on_train_begin(self, logs=None):
        # A class that began as the run was being stopped ends before a batch.
        self.on_train_batch_end(None)

    def on_train_batch_end(self, batch, logs=None):
        if parallel.stop_requested():  # in a parallel run's worker, the parent's word
            raise KeyboardInterrupt
        if self.requested:
            startup.interrupt(self.requested)


def reported(name, first_epoch, epochs):
    """The class's start (after first_epoch, of epochs) and each epoch's end
    with its loss, told to a parallel run's parent (parallel.report)."""
    return keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: parallel.report(name, first_epoch, epochs, None),
        on_epoch_end=lambda epoch, logs: parallel.report(name, epoch + 1, epochs,
                                                        (logs or {}).get('loss')))


class ResumableBackup(keras.callbacks.Callback):
    """Keras's BackupAndRestore made safe to kill at any moment and read back
    as untrusted: each epoch's weights and optimizer state (its step count
    the schedule's place) and record go to files named by the epoch, written
    whole beside the model (never in TMPDIR), so the newest complete pair is
    always there; fit resumes with initial_epoch=self.epoch. The backup is
    tied to one training (run.json: record, as as_now reads an older
    version's); another is refused over it unless restart, which clears it."""

    def __init__(self, backup_dir, record, restart=False, as_now=None):
        # Cleared and written as this project's own: never through a link.
        files.check_own_folder(backup_dir, 'the backup of this training goes')
        super().__init__()
        self.backup_dir = backup_dir
        self.remedy = (f'add --restart to discard the backup in {backup_dir} and train from '
                       'the start')
        record = json.loads(json.dumps(record))
        run_path = os.path.join(backup_dir, 'run.json')
        # A backup without its record was killed before it recorded anything.
        if restart or not os.path.lexists(run_path):
            if os.path.exists(backup_dir):
                shutil.rmtree(backup_dir)
            os.makedirs(backup_dir)
            files.write_whole(run_path, json.dumps(record).encode())
        earlier = self.read(run_path)
        earlier = json.loads(json.dumps(as_now(earlier) if as_now else earlier))
        if earlier != record:
            changed = ', '.join(f'{key} {earlier.get(key)!r} then, {value!r} now'
                                for key, value in record.items() if earlier.get(key) != value)
            raise UsageError(f'{backup_dir} holds an interrupted training with other '
                             f'settings ({changed}); run that command again to finish it, '
                             'or add --restart to discard it')
        self.epoch, self.loss = 0, None
        epochs = [int(match.group(1)) for match in map(re.compile(r'epoch_(\d+)\.json').fullmatch,
                                                        os.listdir(backup_dir)) if match]
        # An epoch is complete once its weights are: they are written first.
        for epoch in sorted(epochs, reverse=True):
            if os.path.lexists(self.weights_path(epoch)):
                loss = self.read(self.path(epoch, '.json')).get('loss')
                if loss is not None and not (isinstance(loss, (int, float))
                                             and math.isfinite(loss)):
                    raise self.damaged(self.path(epoch, '.json'), f'records a loss of {loss!r}')
                self.epoch, self.loss = epoch, loss
                break

    def path(self, epoch, suffix):
        return os.path.join(self.backup_dir, f'epoch_{epoch:05d}{suffix}')

    def weights_path(self, epoch):
        return self.path(epoch, '.weights.h5')

    def read(self, path):
        record = files.read_record(path, self.remedy)
        if record is None:
            raise self.damaged(path, 'is not a record this project writes')
        return record

    def damaged(self, path, problem):
        return UsageError(f'{path} {problem}; {self.remedy}')

    def on_train_begin(self, logs=None):
        if not self.epoch:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            backups.load_weights(self.model, self.weights_path(self.epoch))
        except UsageError as error:  # it names the file
            raise UsageError(f'{error}; {self.remedy}') from None

    def on_epoch_end(self, epoch, logs=None):
        self.loss = (logs or {}).get('loss')
        epoch += 1  # fit counts from 0; a backup names the epochs it holds
        files.write_whole(self.weights_path(epoch), backups.weights_image(self.model))
        files.write_whole(self.path(epoch, '.json'),
                          json.dumps({'epoch': epoch, 'loss': self.loss}).encode())
        for older in range(1, epoch):
            files.remove_quietly(self.path(older, '.json'))
            files.remove_quietly(self.weights_path(older))
        self.epoch = epoch
