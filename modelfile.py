"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo. Loading
never runs the file's own model description: the network is rebuilt from
the ModelInfo (checked against the bounds in models.py) and the stored
weights are copied in, after checking that they are exactly what that
network needs and that the file really holds them.
"""
import dataclasses
import io
import json
import logging
import os
import re
import socket

import h5py
import keras
import numpy as np
# Keras's own writers, given a file in memory (its public savers take only paths).
from keras.src.legacy.saving import legacy_h5_format
from keras.src.saving import saving_lib

from errors import UsageError
from models import ARCHITECTURES, ClassModel, ModelInfo

# Keras logs a warning on every .h5 save; .h5 is the format this project keeps.
logging.getLogger('absl').setLevel(logging.ERROR)

FORMAT = 'pixel-rnn model 1'


# ---------------------------------------------------------------- writing

def save(model, path):
    """Write model to path, whole or not at all."""
    write_whole(path, model_image(model))


def model_image(model):
    """The bytes of model's file: Keras's .h5 file of the network, with its
    ModelInfo as attributes. Made in memory, as are all HDF5 files here: on
    a full disk HDF5 has been seen to report the failure only as it frees
    objects, go on and crash (signal 11). Bytes written afterwards to a full
    disk are a plain OSError."""
    info = dataclasses.replace(model.info, keras_version=keras.__version__)
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        legacy_h5_format.save_model_to_hdf5(model.network, f, include_optimizer=False)
        f.attrs['format'] = FORMAT
        for field, value in dataclasses.asdict(info).items():
            if value is not None:
                f.attrs[field] = json.dumps(value) if field == 'params' else value
    return image.getvalue()


def weights_image(network):
    """The bytes of the file network.save_weights writes (its weights and
    its optimizer's state), made in memory."""
    image = io.BytesIO()
    store = saving_lib.H5IOStore(image, mode='w')
    saving_lib._save_state(network, weights_store=store, assets_store=None, inner_path='',
                           visited_saveables=set())
    store.close()
    return image.getvalue()


def write_whole(path, data):
    """Write the bytes data to path, whole or not at all."""
    temporary = write_temporary(path, data)
    try:
        os.replace(temporary, path)
    finally:
        remove_quietly(temporary)


def write_temporary(path, data):
    """Write data to a temporary file beside path, on the disk before this
    returns its name. On any failure nothing is left behind, and an error of
    the system (a full disk, say) names path."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    temporary = temporary_name(path)
    try:
        # Not through a link that someone left under the name.
        with open(temporary, 'wb', opener=lambda name, flags: os.open(
                name, flags | os.O_NOFOLLOW, 0o666)) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as error:
        remove_quietly(temporary)
        if isinstance(error, OSError) and error.errno:
            raise OSError(error.errno, os.strerror(error.errno), path) from None
        raise
    return temporary


def install(model, path):
    """Put model at path once it is written whole; an earlier file there is
    kept under old_name(path). Returns that name, or None."""
    temporary = write_temporary(path, model_image(model))
    try:
        kept = keep_old(path) if os.path.lexists(path) else None
        os.replace(temporary, path)
    finally:
        remove_quietly(temporary)
    return kept


def old_name(path, number=1):
    """Where install keeps the file it replaces: model_0.h5.~1~, ~2~, ... (as GNU cp numbers backups)."""
    while os.path.lexists(f'{path}.~{number}~'):
        number += 1
    return f'{path}.~{number}~'


def keep_old(path):
    # A hard link keeps the old file under its new name before path is
    # replaced, so no moment exists at which it is in neither place.
    while True:
        kept = old_name(path)
        try:
            os.link(path, kept, follow_symlinks=False)
            return kept
        except FileExistsError:
            continue


def temporary_name(path):
    """A name beside path for writing it under, keeping its suffix (which
    says the format to the libraries that write it)."""
    stem, suffix = os.path.splitext(path)
    if path.endswith('.weights.h5'):
        stem, suffix = path[:-len('.weights.h5')], '.weights.h5'
    return f'{stem}.{os.getpid()}@{socket.gethostname()}.tmp{suffix}'


def remove_quietly(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def remove_stale_temporaries(folder, names):
    """Remove the temporaries that killed runs of this host left in folder
    (not in its subfolders) while writing files whose names match the
    regular expression names; every other file is left as it is."""
    # Temporary files are named for the process writing them, on its host:
    # where several machines share a models folder, each cleans up only its own.
    temporary = re.compile(r'(.+)\.(\d+)@' + re.escape(socket.gethostname())
                           + r'\.tmp((?:\.weights)?\.[A-Za-z0-9]+)?')
    if not os.path.isdir(folder):
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            match = temporary.fullmatch(entry.name)
            if (match and re.fullmatch(names, match.group(1) + (match.group(3) or ''))
                    and entry.is_file(follow_symlinks=False)
                    and not process_alive(int(match.group(2)))):
                remove_quietly(entry.path)


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except PermissionError:  # someone else's process
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


# ---------------------------------------------------------------- reading

def load(path):
    """The ClassModel in the file at path, written by this project or by the
    tutorial (Keras 2.2.4); anything else, or anything that does not add up,
    is a UsageError."""
    if not os.path.isfile(path):
        raise UsageError(f'no model file {path}')
    try:
        with h5py.File(path, 'r') as f:
            info = described(f) or tutorial_info(f, path)
            if info is None:
                raise UsageError(f'{path} does not say what it models (written by an earlier '
                                 'version of pixel-rnn or by another program); train it again')
            problem = info.problem()
            if problem:
                raise UsageError(f'{path}: {problem}; train it again')
            weights = stored_weights(f, path, ARCHITECTURES[info.arch].num_weights(info))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f'{path} is not a readable model file ({error}); '
                         'train it again') from None
    model = ClassModel.create(info)
    try:
        model.network.set_weights(weights)
    except ValueError:
        raise UsageError(f'{path}: its weights do not have the shapes of the model it '
                         f'declares ({info.summary()}); train it again') from None
    return model


def read_info(path):
    """The ModelInfo of the file at path without loading its weights; None
    where there is no file or it does not describe itself."""
    try:
        with h5py.File(path, 'r') as f:
            return described(f) or tutorial_info(f, path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UsageError):
        return None


def described(f):
    """The ModelInfo a file of this project records, or None."""
    if f.attrs.get('format') != FORMAT:
        return None
    values = {}
    for field in dataclasses.fields(ModelInfo):
        if field.name in f.attrs:
            value = f.attrs[field.name]
            values[field.name] = (json.loads(value) if field.name == 'params'
                                  else value.item() if isinstance(value, np.generic) else value)
    return ModelInfo(**values)


def tutorial_info(f, path):
    """The tutorial's Keras 2 files record no description: they are 10x10
    grey MNIST, with a GRU whose settings their Keras model config gives."""
    if not str(f.attrs.get('keras_version', '')).startswith('2.'):
        return None
    layers = json.loads(f.attrs['model_config'])['config']
    layers = layers['layers'] if isinstance(layers, dict) else layers
    config = next(layer['config'] for layer in layers if layer['class_name'] == 'GRU')
    if config.get('activation') != 'tanh':
        raise UsageError(f"{path}: GRU activation {config.get('activation')!r} is not supported")
    activation = config['recurrent_activation']
    name = re.fullmatch(r'model_(.*)\.h5', os.path.basename(path))
    return ModelInfo(
        dataset='mnist', class_name=name.group(1) if name else os.path.basename(path),
        image_size=10, levels=int(config['batch_input_shape'][-1]), colours=1, arch='gru',
        params={'units': config['units'], 'reset_after': config.get('reset_after', False),
                # Keras 2's hard_sigmoid is not Keras 3's: see layers.keras2_hard_sigmoid.
                'recurrent_activation': ('keras2_hard_sigmoid' if activation == 'hard_sigmoid'
                                         else activation)},
        keras_version=str(f.attrs['keras_version']))


def stored_weights(f, path, expected):
    """The weight arrays of f in layer order, read only after checking that
    they number exactly expected values and that the file holds their bytes
    (a dataset may declare any shape and store nothing)."""
    group = f['model_weights']
    datasets = []
    for layer in group.attrs['layer_names']:
        layer_group = group[layer.decode() if isinstance(layer, bytes) else layer]
        for name in layer_group.attrs['weight_names']:
            datasets.append(layer_group[name.decode() if isinstance(name, bytes) else name])
    declared = sum(int(dataset.size) for dataset in datasets)
    if declared != expected:
        raise UsageError(f'{path} stores {declared:,} weights where the model it declares '
                         f'has {expected:,}; refusing it')
    if any(dataset.dtype.kind != 'f' for dataset in datasets):
        raise UsageError(f'{path} stores weights that are not floating-point numbers; refusing it')
    needed = sum(dataset.size * dataset.dtype.itemsize for dataset in datasets)
    stored = sum(dataset.id.get_storage_size() for dataset in datasets)
    if needed > stored:
        raise UsageError(f'{path} would need {needed / 2**20:,.1f} MB of weights but holds '
                         f'{stored / 2**20:,.1f} MB; refusing it')
    return [dataset[()] for dataset in datasets]
