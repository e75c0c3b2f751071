"""Reading model files, trusting nothing in them.

Loading never runs the file's own model description: the network is rebuilt
from the ModelInfo (every field checked for type and range, see
pixel_rnn/description.py) and the stored weights are copied in, after
checking that they are exactly what that network needs, that the file
itself holds them (never through a link, external storage or another file,
which could block or read anything) and that they are finite.
"""
import dataclasses
import json
import math
import os

import h5py
import numpy as np

from pixel_rnn import architectures, defaults
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.description import ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import FORMAT, tutorial

# What h5py and the checks below raise on a file that is damaged or not what it claims.
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError)
# Weights from which building and using a network takes long enough to say so first.
LARGE_MODEL = 10_000_000
# What the networks compute in, and so what a file's weights must be stored as.
WEIGHT_DTYPE = np.dtype('float32')


def load(path):
    """The ClassModel in the file at path, written by this project or by the
    tutorial (Keras 2.2.4); anything else, or anything that does not add up,
    is a UsageError."""
    if path.endswith('.keras'):
        return tutorial.archived(path)
    return build(path, *read(path))


def build(path, info, weights, names=None):
    """The ClassModel of info with weights, as read from the file at path:
    the one step here that needs Keras. names: the file's name of each
    weight (layer/weight), which must be the network's own in its order
    (weights of the same shapes in another order would load as another
    model); None for the tutorial's files, whose Keras 2 names differ."""
    num_weights = sum(array.size for array in weights)
    if num_weights >= LARGE_MODEL:
        print(f'{path}: building a large network, {num_weights:,} weights: {info.summary()}')
    model = architectures.create(info)
    expected = [f'{layer.name}/{weight.path}' for layer in model.network.layers
                for weight in layer.weights]
    if names is not None and names != expected:
        given, wanted = next((a, b) for a, b in zip(names + [None], expected + [None]) if a != b)
        raise UsageError(f'{path}: its weights are not those of the model it declares (weight '
                         f'{given!r} where that model has {wanted!r}); refusing it')
    try:
        model.network.set_weights(weights)
    except ValueError:
        raise UsageError(f'{path}: its weights do not have the shapes of the model it '
                         f'declares ({info.summary()}); train it again') from None
    return model


def check(path, own=None):
    """read's ModelInfo: every check load makes, without building the network."""
    return read(path, own)[0]


def read(path, own=None):
    """The checked ModelInfo, weight arrays and their names (None for the
    tutorial's files) of the file at path. own: for a file of this project's
    own state (a new set waiting to be put in place, a file kept beside a
    model), what a refusal tells the user to do, instead of training it
    again; such a file is never read through a symbolic link."""
    remedy = own or 'train it again'
    if own and os.path.islink(path):
        raise UsageError(f'{path} is a symbolic link where this project keeps a file of its '
                         f'own; {remedy}')
    if not os.path.exists(path):
        raise UsageError(f'no model file {path}')
    if not os.path.isfile(path):  # reading a FIFO or a device would block or never end
        raise UsageError(f'{path} is not a regular file; refusing it')
    try:
        with h5py.File(path, 'r') as f:
            info = checked_info(f, path, remedy)
            names, weights = stored_weights(f, path, ARCHITECTURES[info.arch].weight_shapes(info))
            return info, weights, names if own_format(f) else None
    except READ_ERRORS as error:
        raise UsageError(f'{path} is not a readable model file ({error}); {remedy}') from None


def read_info(path):
    """The ModelInfo of the file at path, its weights unread; None where
    there is none that holds."""
    if not os.path.isfile(path):
        return None
    try:
        with h5py.File(path, 'r') as f:
            return checked_info(f, path)
    except READ_ERRORS + (UsageError,):
        return None


def own_format(f):
    value = f.attrs.get('format')  # an array compared to text would not be true or false
    return isinstance(value, str) and value == FORMAT


def checked_info(f, path, remedy='train it again'):
    """The ModelInfo f records (for the tutorial's, its Keras config
    describes), checked (ModelInfo.checked)."""
    if own_format(f):
        fields = dataclasses.fields(ModelInfo)
        values = {field.name: f.attrs[field.name] for field in fields if field.name in f.attrs}
        missing = [field.name for field in fields
                   if field.default is dataclasses.MISSING and field.name not in values]
        if missing:
            raise UsageError(f"{path} does not record its {', '.join(missing)}; {remedy}")
        info = ModelInfo(**{name: parsed_json(value, 'params', path) if name == 'params' else
                            value.item() if isinstance(value, np.generic) else value
                            for name, value in values.items()})
    elif str(f.attrs.get('keras_version', '')).startswith(('2.', '3.')) and (
            'model_config' in f.attrs):  # the tutorial's network, saved by Keras 2 or 3
        info = tutorial.configured_info(
            parsed_json(f.attrs['model_config'], 'Keras model config', path),
            str(f.attrs['keras_version']), path, defaults.class_name_of(path))
    else:
        raise UsageError(f'{path} does not say what it models (written by an earlier '
                         f'version of pixel-rnn or by another program); {remedy}')
    return info.checked(f'{path}: ', f'; {remedy}')


def parsed_json(value, what, path):
    """A JSON attribute, refused where it nests deeper than Python's parser goes."""
    try:
        return json.loads(value)
    except RecursionError:
        raise UsageError(f'{path}: its {what} nests too deeply to be a model '
                         'description; refusing it') from None


def stored_weights(f, path, shapes):
    """The names and arrays of f's weights (model_weights/<layer>/<weight>,
    in layer order), read only once they have exactly the shapes given (the
    network's, in its order), as checked_values reads them."""
    datasets = []
    group = own_member(f, 'model_weights', path)
    for layer in group.attrs['layer_names']:
        layer = layer.decode() if isinstance(layer, bytes) else layer
        for name in own_member(group, layer, path).attrs['weight_names']:
            name = f"{layer}/{name.decode() if isinstance(name, bytes) else name}"
            dataset = own_member(group, name, path)
            if not isinstance(dataset, h5py.Dataset):
                raise UsageError(f'{path}: weight {name!r} is not a data set; refusing it')
            datasets.append((name, dataset))
    declared, expected = (sum(int(dataset.size) for _, dataset in datasets),
                          sum(math.prod(shape) for shape in shapes))
    if declared != expected:
        raise UsageError(f'{path} stores {declared:,} weights where the model it declares '
                         f'has {expected:,}; refusing it')
    stored = [(name, dataset.shape) for name, dataset in datasets]
    if [shape for _, shape in stored] != shapes:  # the same count, transposed say
        (name, shape), wanted = next((given, wanted) for given, wanted in zip(
            stored + [(None, None)], shapes + [None]) if given[1] != wanted)
        raise UsageError(f'{path}: its weights do not have the shapes of the model it '
                         f'declares (weight {name!r} is {shape} where that model has '
                         f'{wanted}); train it again')
    return ([name for name, _ in datasets],
            checked_values([(f'weight {name!r}', dataset) for name, dataset in datasets], path))


def checked_values(labelled, path, dtypes=(WEIGHT_DTYPE,)):
    """The values of labelled's data sets ((label, dataset) each), read only
    after checking that the file itself holds their bytes, uncompressed, as
    dtypes (a data set may declare any shape and store nothing, or store its
    values in another file); then refused unless every value is finite."""
    for label, dataset in labelled:
        problem = storage_problem(dataset, dtypes)
        if problem:
            raise UsageError(f'{path}: {label} {problem}; refusing it')
    if len({dataset.id for _, dataset in labelled}) < len(labelled):
        # Hard links let a small file list one array for many weights of a large network.
        raise UsageError(f'{path} stores one array for several weights; refusing it')
    needed = sum(dataset.size * dataset.dtype.itemsize for _, dataset in labelled)
    stored = sum(dataset.id.get_storage_size() for _, dataset in labelled)
    if needed > stored:
        raise UsageError(f'{path} would need {needed / 2**20:,.1f} MB of weights but holds '
                         f'{stored / 2**20:,.1f} MB; refusing it')
    for label, dataset in labelled:
        # Chunks never written read as the fill value, which the storage size may not show.
        if dataset.chunks is not None and dataset.size and dataset.id.get_num_chunks() < math.prod(
                -(-length // chunk) for length, chunk in zip(dataset.shape, dataset.chunks)):
            raise UsageError(f'{path}: {label} leaves parts of its values unwritten; refusing it')
    values = [dataset[()] for _, dataset in labelled]
    for (label, _), value in zip(labelled, values):
        if not np.isfinite(value).all():
            raise UsageError(f'{path}: {label} holds values that are not finite '
                             '(NaN or infinite); refusing it')
    return values


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


def storage_problem(dataset, dtypes):
    """What is wrong with where or how dataset keeps its values, or None;
    asked of its description only, before a byte of it is read."""
    properties = dataset.id.get_create_plist()
    if dataset.is_virtual or properties.get_external_count():
        return 'is stored in other files'
    if properties.get_layout() not in (h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED, h5py.h5d.COMPACT):
        return 'has a storage layout this project does not read'
    if properties.get_nfilters():
        return 'is compressed or filtered, as this project never writes weights'
    if dataset.dtype not in dtypes:
        return (f'is stored as {dataset.dtype}, not the {WEIGHT_DTYPE} the network uses'
                if dtypes == (WEIGHT_DTYPE,) else
                f'is stored as {dataset.dtype}, not as numbers of {", ".join(map(str, dtypes))}')
    return None
