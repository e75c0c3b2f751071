"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo. Loading
never runs the file's own model description: the network is rebuilt from
the ModelInfo (every field checked for type and range in models.py) and
the stored weights are copied in, after checking that they are exactly what
that network needs, that the file itself holds them (never through a link,
external storage or another file, which could block or read anything) and
that they are finite.
"""
import dataclasses
import io
import json
import logging
import math
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

# What h5py and the checks below raise on a file that is damaged or not what it claims.
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError)
# Weights from which building and using a network takes long enough to say so first.
LARGE_MODEL = 10_000_000


def load(path):
    """The ClassModel in the file at path, written by this project or by the
    tutorial (Keras 2.2.4); anything else, or anything that does not add up,
    is a UsageError."""
    info, weights = read(path)
    num_weights = sum(array.size for array in weights)
    if num_weights >= LARGE_MODEL:
        print(f'{path}: building a large network, {num_weights:,} weights: {info.summary()}')
    model = ClassModel.create(info)
    try:
        model.network.set_weights(weights)
    except ValueError:
        raise UsageError(f'{path}: its weights do not have the shapes of the model it '
                         f'declares ({info.summary()}); train it again') from None
    return model


def check(path):
    """The ModelInfo of the file at path after every check that load makes,
    weights included, without building the network."""
    return read(path)[0]


def read(path):
    """The checked ModelInfo and weight arrays of the file at path."""
    if not os.path.exists(path):
        raise UsageError(f'no model file {path}')
    if not os.path.isfile(path):  # reading a FIFO or a device would block or never end
        raise UsageError(f'{path} is not a regular file; refusing it')
    try:
        with h5py.File(path, 'r') as f:
            info = checked_info(f, path)
            return info, stored_weights(f, path, ARCHITECTURES[info.arch].num_weights(info))
    except READ_ERRORS as error:
        raise UsageError(f'{path} is not a readable model file ({error}); '
                         'train it again') from None


def read_info(path):
    """The ModelInfo of the file at path without loading its weights; None
    where there is no file, it does not describe itself or its description
    does not hold."""
    if not os.path.isfile(path):
        return None
    try:
        with h5py.File(path, 'r') as f:
            return checked_info(f, path)
    except READ_ERRORS + (UsageError,):
        return None


def checked_info(f, path):
    info = described(f, path) or tutorial_info(f, path)
    if info is None:
        raise UsageError(f'{path} does not say what it models (written by an earlier '
                         'version of pixel-rnn or by another program); train it again')
    problem = info.problem()
    if problem:
        raise UsageError(f'{path}: {problem}; train it again')
    return info


def described(f, path):
    """The ModelInfo a file of this project records, or None. Its values are
    taken as stored; ModelInfo.problem says which are not what they should be."""
    if not is_text(f.attrs.get('format'), FORMAT):
        return None
    values = {}
    for field in dataclasses.fields(ModelInfo):
        if field.name in f.attrs:
            value = f.attrs[field.name]
            values[field.name] = (parsed_json(value, 'params', path) if field.name == 'params'
                                  else value.item() if isinstance(value, np.generic) else value)
    missing = [field.name for field in dataclasses.fields(ModelInfo)
               if field.default is dataclasses.MISSING and field.name not in values]
    if missing:
        raise UsageError(f"{path} does not record its {', '.join(missing)}; train it again")
    return ModelInfo(**values)


def is_text(value, text):
    return isinstance(value, str) and value == text


def parsed_json(value, what, path):
    """A JSON attribute, refused where it nests deeper than Python's parser goes."""
    try:
        return json.loads(value)
    except RecursionError:
        raise UsageError(f'{path}: its {what} nests too deeply to be a model '
                         'description; refusing it') from None


def tutorial_info(f, path):
    """The tutorial's Keras 2 files record no description: they are 10x10
    grey MNIST, with a GRU whose settings their Keras model config gives."""
    if not str(f.attrs.get('keras_version', '')).startswith('2.'):
        return None
    layers = parsed_json(f.attrs['model_config'], 'Keras model config', path)['config']
    layers = layers['layers'] if isinstance(layers, dict) else layers
    config = next((layer['config'] for layer in layers if layer['class_name'] == 'GRU'), None)
    if config is None:
        raise UsageError(f'{path}: its Keras 2 model has no GRU layer; only the tutorial\'s '
                         'GRU models are read')
    if config.get('activation') != 'tanh':
        raise UsageError(f"{path}: GRU activation {config.get('activation')!r} is not supported")
    activation = config['recurrent_activation']
    name = re.fullmatch(r'model_(.*)\.h5', os.path.basename(path))
    return ModelInfo(
        dataset='mnist', class_name=name.group(1) if name else os.path.basename(path),
        image_size=10, levels=config['batch_input_shape'][-1], colours=1, arch='gru',
        params={'units': config['units'], 'reset_after': config.get('reset_after', False),
                # Keras 2's hard_sigmoid is not Keras 3's: see layers.keras2_hard_sigmoid.
                'recurrent_activation': ('keras2_hard_sigmoid' if activation == 'hard_sigmoid'
                                         else activation)},
        keras_version=str(f.attrs['keras_version']))


def stored_weights(f, path, expected):
    """The weight arrays of f in layer order, read only after checking that
    they number exactly expected values, in the type the network computes
    in, and that the file itself holds their bytes (a dataset may declare any
    shape and store nothing, or store its values in another file); then
    refused unless every value is finite."""
    datasets = weight_datasets(f, path)
    declared = sum(int(dataset.size) for _, dataset in datasets)
    if declared != expected:
        raise UsageError(f'{path} stores {declared:,} weights where the model it declares '
                         f'has {expected:,}; refusing it')
    for name, dataset in datasets:
        problem = storage_problem(dataset)
        if problem:
            raise UsageError(f'{path}: weight {name!r} {problem}; refusing it')
    if len({dataset.id for _, dataset in datasets}) < len(datasets):
        # Hard links let a small file list one array for many weights of a large network.
        raise UsageError(f'{path} stores one array for several weights; refusing it')
    needed = sum(dataset.size * dataset.dtype.itemsize for _, dataset in datasets)
    stored = sum(dataset.id.get_storage_size() for _, dataset in datasets)
    if needed > stored:
        raise UsageError(f'{path} would need {needed / 2**20:,.1f} MB of weights but holds '
                         f'{stored / 2**20:,.1f} MB; refusing it')
    for name, dataset in datasets:
        if chunks_missing(dataset):
            raise UsageError(f'{path}: weight {name!r} leaves parts of its values unwritten; '
                             'refusing it')
    weights = [dataset[()] for _, dataset in datasets]
    for (name, _), array in zip(datasets, weights):
        if not np.isfinite(array).all():
            raise UsageError(f'{path}: weight {name!r} holds values that are not finite '
                             '(NaN or infinite); refusing it')
    return weights


def weight_datasets(f, path):
    """(name, dataset) of each weight, in the order the file lists them."""
    group = own_member(f, 'model_weights', path)
    datasets = []
    for layer in group.attrs['layer_names']:
        layer = layer.decode() if isinstance(layer, bytes) else layer
        layer_group = own_member(group, layer, path)
        for name in layer_group.attrs['weight_names']:
            name = f"{layer}/{name.decode() if isinstance(name, bytes) else name}"
            dataset = own_member(group, name, path)
            if not isinstance(dataset, h5py.Dataset):
                raise UsageError(f'{path}: weight {name!r} is not a data set; refusing it')
            datasets.append((name, dataset))
    return datasets


def own_member(group, name, path):
    """group[name], reached through hard links only: an external link opens
    another file (a FIFO there blocks for ever), a soft link leads elsewhere."""
    member = group
    for part in name.split('/'):
        link = member.get(part, getlink=True)
        if not isinstance(link, h5py.HardLink):
            what = ('missing' if link is None else
                    f'a link to {link.filename!r}' if isinstance(link, h5py.ExternalLink) else
                    'a link')
            raise UsageError(f'{path}: {name!r} is {what}, not stored in the file; refusing it')
        member = member[part]
    return member


def storage_problem(dataset):
    """What is wrong with where or how dataset keeps its values, or None;
    asked of its description only, before a byte of it is read."""
    properties = dataset.id.get_create_plist()
    if dataset.is_virtual or properties.get_external_count():
        return 'is stored in other files'
    if properties.get_layout() not in (h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED, h5py.h5d.COMPACT):
        return 'has a storage layout this project does not read'
    if properties.get_nfilters():
        return 'is compressed or filtered, as this project never writes weights'
    if dataset.dtype != np.dtype(keras.config.floatx()):
        return f'is stored as {dataset.dtype}, not the {keras.config.floatx()} the network uses'
    return None


def chunks_missing(dataset):
    """Whether dataset is chunked and some of its chunks were never written
    (they read as its fill value), which its storage size may not show."""
    if dataset.chunks is None or not dataset.size:
        return False
    chunks = math.prod(-(-length // chunk) for length, chunk in zip(dataset.shape, dataset.chunks))
    return dataset.id.get_num_chunks() < chunks
