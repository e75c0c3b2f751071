"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo. Loading
never runs the file's own model description: the network is rebuilt from
the ModelInfo (checked against the bounds in models.py) and the stored
weights are copied in, after checking that they are exactly what that
network needs and that the file really holds them.
"""
import contextlib
import dataclasses
import json
import logging
import os
import re
import socket

import h5py
import keras
import numpy as np

from errors import UsageError
from models import ARCHITECTURES, ClassModel, ModelInfo

# Keras logs a warning on every .h5 save; .h5 is the format this project keeps.
logging.getLogger('absl').setLevel(logging.ERROR)

FORMAT = 'pixel-rnn model 1'


# ---------------------------------------------------------------- writing

def save(model, path):
    """Write model to path, whole or not at all."""
    os.replace(write_temporary(model, path), path)


def write_temporary(model, path):
    """Write model to a temporary file beside path; returns its name. On any
    failure, nothing is left behind."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    temporary = temporary_name(path)
    info = dataclasses.replace(model.info, keras_version=keras.__version__)
    with writing_hdf5(temporary):
        model.network.save(temporary, include_optimizer=False)
        with h5py.File(temporary, 'a') as f:
            f.attrs['format'] = FORMAT
            for field, value in dataclasses.asdict(info).items():
                if value is not None:
                    f.attrs[field] = json.dumps(value) if field == 'params' else value
    return temporary


@contextlib.contextmanager
def writing_hdf5(path):
    """Around code that writes the HDF5 file path: where it fails, the file
    is let go of and removed, and an error of the system (a full disk, say)
    is raised as one line naming path rather than HDF5's report."""
    try:
        yield
    except BaseException as error:
        let_go(path)
        remove_quietly(path)
        if isinstance(error, OSError) and error.errno:
            raise OSError(error.errno, os.strerror(error.errno), path) from None
        raise


def let_go(path):
    """HDF5 keeps a file open that it failed to write, and retries the
    writes at every later close and as the process exits, where on a full
    disk it has been seen to crash (signal 11). Its descriptor is pointed at
    the null device, where those writes succeed, and the file is closed."""
    for file_id in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        if os.path.abspath(os.fsdecode(file_id.name)) == os.path.abspath(path):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, file_id.get_vfd_handle())
            finally:
                os.close(null)
            h5py.File(file_id).close()


def install(model, path):
    """Put model at path once it is written whole; an earlier file there is
    kept under old_name(path). Returns that name, or None."""
    temporary = write_temporary(model, path)
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
