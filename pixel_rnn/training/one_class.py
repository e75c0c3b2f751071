"""Training one class's model: resumable, and never losing the model it replaces.

Each epoch is backed up beside the model file; only when all epochs are done
is the new model written whole and put in place, the file it replaces kept.
"""
import contextlib
import dataclasses
import json
import math
import os
import shutil

import numpy as np

from pixel_rnn import architectures, files
from pixel_rnn.description import MEASURED, ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, places, saving
from pixel_rnn.runner import progress_mode


def train_class(levels, info, path, restart=False, logdir=None, distribute=False,
                held_out=None):
    """Train the model of info on levels into path, keeping the file it
    replaces, its bits/dim on held_out recorded (a Task's fields); run again
    after an interruption, it goes on from the last epoch backed up."""
    if already_trained(path, info, restart):
        return
    import keras
    from pixel_rnn.training import callbacks
    backup = callbacks.ResumableBackup(places.resume_dir(path), training_record(info), restart,
                                       training_record_as_now)
    print(f'Training {info.summary()}')
    if os.path.exists(path):
        print(f'{path} will be replaced when training ends; the old file goes to '
              f'{files.old_name(path)}')
    if backup.epoch:
        print(f'Resuming after epoch {backup.epoch} of {info.epochs} from {backup.backup_dir}')
    if info.seed is not None:
        keras.utils.set_random_seed(info.seed)
    extra = [callbacks.reported(info.class_name, backup.epoch, info.epochs)] + (
        [keras.callbacks.TensorBoard(logdir)] if logdir else [])
    with device_scope(distribute), callbacks.StopBetweenBatches() as stop:
        model = model_to_train(info, distribute)
        model.fit(levels, info.batch_size, info.epochs, [backup, *extra, stop],
                  verbose=progress_mode(), initial_epoch=backup.epoch)
    model.info = dataclasses.replace(info, loss=backup.loss, **held_out_record(model, held_out))
    kept = saving.install(model, path)
    shutil.rmtree(backup.backup_dir)
    print(f'Saved {path}' + (f'; the file it replaced is {kept}' if kept else ''))


def already_trained(path, info, restart=False):
    """Whether path holds info's training already (then said so), unless restart."""
    existing = loading.read_info(path)
    if existing and existing.same_training(info) and not restart:
        print(f'{path} already holds this training ({info.epochs} epochs); skipped '
              '(--restart trains it again)')
        return True
    return False


# (settings, model) of the last class trained here: a next class of the same
# settings is trained in it, its own new weights set in, so that Keras's trace
# of the training step serves every class of a run.
last_trained = (None, None)


def model_to_train(info, distribute=False):
    """A model of info with new weights (under distribute, one of its own:
    its network lives on the strategy's devices)."""
    global last_trained
    import keras
    model = architectures.create(info)
    # On other backends a network's first fit draws from NumPy's random
    # numbers as it builds (JAX: a permutation of the data), so a class trained
    # in a network fitted before would be shuffled otherwise than alone.
    if distribute or keras.backend.backend() != 'tensorflow':
        return model
    settings = (info.arch, info.image_size, info.levels, info.colours,
                json.dumps(info.params, sort_keys=True))
    earlier_settings, earlier = last_trained
    if settings == earlier_settings:
        # All its state: its random generators' with the weights.
        for variable, value in zip(earlier.network.variables, model.network.variables):
            variable.assign(value)
        earlier.info, model = info, earlier
    last_trained = (settings, model)
    return model


def held_out_record(model, held_out):
    """The ModelInfo fields of model's bits/dim on held_out (levels): mean,
    1st and 99th percentiles; None where there are no such images."""
    if held_out is None or not len(held_out):
        return dict(held_out_bits=None, held_out_bits_1=None, held_out_bits_99=None)
    bits = -model.log_likelihood(held_out) / (model.info.num_subpixels * math.log(2))
    return dict(held_out_bits=float(bits.mean()), held_out_bits_1=float(np.percentile(bits, 1)),
                held_out_bits_99=float(np.percentile(bits, 99)))


def device_scope(distribute):
    """Where distribute, TensorFlow's MirroredStrategy over the local GPUs (or
    CPUs): each batch split among copies of the model, the gradients summed."""
    if not distribute:
        return contextlib.nullcontext()
    import keras
    if keras.backend.backend() != 'tensorflow':
        raise UsageError(f'--distribute uses TensorFlow\'s MirroredStrategy; the Keras '
                         f'backend is {keras.backend.backend()} (set KERAS_BACKEND=tensorflow)')
    import tensorflow as tf
    devices = tf.config.list_logical_devices('GPU') or tf.config.list_logical_devices('CPU')
    strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
    print(f'One model on {strategy.num_replicas_in_sync} devices: '
          f"{', '.join(device.name for device in devices)}")
    return strategy.scope()


def training_record(info):
    """The record of a class's training its backup is tied to."""
    return dataclasses.asdict(dataclasses.replace(info, **dict.fromkeys(MEASURED)))


def training_record_as_now(earlier):
    """A run record an older version wrote, as this one writes it: a field
    added since has its default, a value means what it does in its model file."""
    defaults = {field.name: field.default for field in dataclasses.fields(ModelInfo)
                if field.default is not dataclasses.MISSING}
    earlier = {**json.loads(json.dumps(defaults)), **earlier}
    with contextlib.suppress(TypeError):  # a field this version does not know
        earlier = training_record(ModelInfo(**earlier))
    return earlier
