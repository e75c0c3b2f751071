"""The Dataset type and the checks every data set passes, wherever it came from:
its arrays' contents (checked) and, before they are read, their headers' sizes
(check_declared); each refusal a one-line UsageError naming the data."""
import dataclasses
import math

import numpy as np

from pixel_rnn.errors import UsageError
from pixel_rnn.images import INTENSITIES, intensities
from pixel_rnn.startup import held_stderr

GREY_SHAPE = ('N', 'H', 'W')  # the shape of grey image arrays; a letter is any size
# Images are shrunk to at most 256 a side: a side above this is no data set's,
# and is refused from the header, before such images take gigabytes to decode.
MAX_IMAGE_SIDE = 1024
# The most one array may take once read: ten times CIFAR-10's 184 MB. Checked
# from headers, before reading, so that a small file that inflates is refused.
MAX_ARRAY_BYTES = 2 * 2**30


@dataclasses.dataclass
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str = ''  # what a model file records of where its data came from


def balanced_subset(labels, count):
    """Indices of count images taken from the classes in turn (ascending): each
    class's first image, then each one's second, and so on, skipping classes
    that ran out; within a class in the data's order. So the first 500 of
    images sorted by class are 50 of each of ten."""
    labels = np.asarray(labels)
    by_class = np.argsort(labels, kind='stable')
    sorted_labels = labels[by_class]
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    rank_in_class[by_class] = (np.arange(len(labels))
                               - np.searchsorted(sorted_labels, sorted_labels, side='left'))
    return np.lexsort((labels, rank_in_class))[:count]


def cause(error):
    """error's message in one line, or its type's name where it has none."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def checked(dataset, source, shape):
    """dataset with uint8 images of shape (like GREY_SHAPE) and int64 labels, one
    whole number per image below the class count (one model per class);
    source names the data in messages, e.g. '--data PATH'."""
    arrays, classes = [], len(dataset.class_names)
    for split, images, labels in (('training', dataset.x_train, dataset.y_train),
                                  ('test', dataset.x_test, dataset.y_test)):
        where = f'{source}: {split}'
        expected = f"expected {INTENSITIES}, of shape ({', '.join(map(str, shape))})"
        if images.ndim >= 1 and len(images) == 0:
            raise UsageError(f'{source}: no {split} images; {expected}')
        if images.ndim != len(shape) or 0 in images.shape or any(
                size != actual for size, actual in zip(shape, images.shape)
                if isinstance(size, int)):
            raise UsageError(f'{where} images of shape {images.shape}; {expected}')
        try:
            arrays.append(intensities(images))
        except ValueError as error:
            raise UsageError(f'{where} images hold {error}; {expected}') from None
        expected = f'expected one whole number 0-{classes - 1} per image'
        if labels.ndim == 2 and labels.shape[1] == 1:  # Keras's CIFAR-10 labels are (N, 1)
            labels = labels.reshape(-1)
        if labels.ndim != 1:
            raise UsageError(f'{where} labels of shape {labels.shape}; {expected}')
        if len(labels) != len(images):
            raise UsageError(f'{source}: {len(images)} {split} images but {len(labels)} labels; '
                             f'{expected}')
        if labels.dtype.kind not in 'iuf':
            raise UsageError(f'{where} labels hold values of dtype {labels.dtype}; {expected}')
        bad = (labels < 0) | (labels >= classes) | (labels != np.floor(labels))  # NaN too
        if bad.any():
            raise UsageError(f'{where} labels include {labels[bad][0]:g}; {expected}')
        arrays.append(labels.astype(np.int64))
    return Dataset(*arrays, dataset.class_names, dataset.source)


def check_declared(shape, itemsize, where, images):
    """Refuse, before it is read, an array whose header (shape, bytes per
    value) asks for more than any data set needs; where names it."""
    if images and any(side > MAX_IMAGE_SIDE for side in shape[1:3]):
        raise UsageError(f'{where} declares images of shape {tuple(shape)}; images larger than '
                         f'{MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} are refused')
    size = math.prod(shape) * itemsize
    if size > MAX_ARRAY_BYTES:
        raise UsageError(f'{where} declares {tuple(shape)} values of {itemsize} bytes, '
                         f'{size / 2**30:.1f} GiB; an array of over {MAX_ARRAY_BYTES // 2**30} '
                         'GiB is refused')


def from_keras(name, title, class_names, shape, formats, fallback=None):
    """keras.datasets.<name> (title in messages), checked: from Keras's cache,
    else downloaded, Keras imported only then. Where Keras cannot give it,
    fallback(why) if given, else a UsageError saying why and to pass --data."""
    try:
        with held_stderr():
            import keras
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as error:  # any failure to download or read the cache
        why = (f'could not download {title} (no network connection?)' if network_failure(error)
               else f'could not get {title} through Keras: {cause(error)}')
        if fallback:
            return fallback(why)
        raise UsageError(f'{why}; pass --data PATH: {formats}') from None
    return checked(Dataset(x_train, y_train, x_test, y_test, list(class_names), 'keras'),
                   f"Keras's {title}", shape)


def network_failure(error):
    """Whether error, or one it was raised from or while handling, failed to
    reach a server: an OSError such as URLError, or Keras's wrapping of one,
    which has the URLError only as context."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) or any(
                phrase in str(error) for phrase in ('URL fetch failure', 'Failed to download')):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
