"""The Dataset type and the checks every data set passes, whatever it was read from.

Every data set's loader returns a Dataset of uint8 images, (m, h, w) grey or
(m, 32, 32, 3) colour, and int64 labels 0-9, or raises a one-line UsageError
naming the data, what was found there and what was expected. Here too are the
bounds an array's header is checked against before it is read (check_declared),
and a class-balanced choice of images (balanced_subset).
"""
import dataclasses
import math
import os

import numpy as np

from pixel_rnn.errors import UsageError
from pixel_rnn.images import INTENSITIES, intensities

# The shape grey image arrays must have; a letter stands for any size.
GREY_SHAPE = ('N', 'H', 'W')
# Images are shrunk to target_size (at most 256) a side: a side above this is
# no data set's, and is refused from the header, before a picture or array of
# such images takes gigabytes to decode.
MAX_IMAGE_SIDE = 1024
# The most one array of a data set may take once read: ten times CIFAR-10's
# 184 MB of pixels. Sizes are checked against it from headers, before reading,
# so that a small file that inflates (a bomb) is refused before it does.
MAX_ARRAY_BYTES = 2 * 2**30


@dataclasses.dataclass
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str = ''  # what a model file records of where its data came from


def named(dataset, path):
    """dataset with its source: the file or folder name, never the whole
    path, which says nothing of the data and much of the machine."""
    return dataclasses.replace(dataset, source=os.path.basename(os.path.normpath(path)))


def balanced_subset(labels, count):
    """Indices of count images taken from the classes in turn: each class's
    first image (classes in ascending order), then each class's second, and so
    on, skipping classes that have run out; within a class images keep the
    data's order. The first 500 of images sorted by class are then 50 of each
    of ten classes rather than 500 of the first. Deterministic; a count above
    len(labels) gives every index."""
    labels = np.asarray(labels)
    by_class = np.argsort(labels, kind='stable')
    sorted_labels = labels[by_class]
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    rank_in_class[by_class] = (np.arange(len(labels))
                               - np.searchsorted(sorted_labels, sorted_labels, side='left'))
    return np.lexsort((labels, rank_in_class))[:count]


# ---------------------------------------------------------------- checks every format passes

def checked(dataset, source, shape):
    """dataset with uint8 images and int64 labels, after check_images and
    check_labels; source names the data in messages, e.g. '--data PATH'."""
    class_count = len(dataset.class_names)
    x_train = check_images(dataset.x_train, source, 'training', shape)
    x_test = check_images(dataset.x_test, source, 'test', shape)
    y_train = check_labels(dataset.y_train, source, 'training', len(x_train), class_count)
    y_test = check_labels(dataset.y_test, source, 'test', len(x_test), class_count)
    return Dataset(x_train, y_train, x_test, y_test, dataset.class_names, dataset.source)


def check_images(images, source, split, shape):
    """images as uint8: they must be at least one image of shape (a tuple like
    GREY_SHAPE) holding intensities as images.intensities reads them."""
    expected = f"expected {INTENSITIES}, of shape ({', '.join(map(str, shape))})"
    if images.ndim >= 1 and len(images) == 0:
        raise UsageError(f'{source}: no {split} images; {expected}')
    if images.ndim != len(shape) or 0 in images.shape or any(
            size != actual for size, actual in zip(shape, images.shape) if isinstance(size, int)):
        raise UsageError(f'{source}: {split} images of shape {images.shape}; {expected}')
    try:
        return intensities(images)
    except ValueError as error:
        raise UsageError(f'{source}: {split} images hold {error}; {expected}') from None


def check_labels(labels, source, split, image_count, class_count):
    """labels as int64 (N,): one whole number 0 to class_count - 1 per image.
    There is one model per class, so a label beyond them has no model to train."""
    expected = f'expected one whole number 0-{class_count - 1} per image'
    # Keras's CIFAR-10 labels are (N, 1).
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.reshape(-1)
    if labels.ndim != 1:
        raise UsageError(f'{source}: {split} labels of shape {labels.shape}; {expected}')
    if len(labels) != image_count:
        raise UsageError(f'{source}: {image_count} {split} images but {len(labels)} labels; '
                         f'{expected}')
    if not (np.issubdtype(labels.dtype, np.integer) or np.issubdtype(labels.dtype, np.floating)):
        raise UsageError(f'{source}: {split} labels hold {values(labels)}; {expected}')
    # NaN fails the last test: it differs from itself.
    bad = (labels < 0) | (labels >= class_count) | (labels != np.floor(labels))
    if bad.any():
        raise UsageError(f'{source}: {split} labels include {labels[bad][0]:g}; {expected}')
    return labels.astype(np.int64)


def values(array):
    """What array holds, for a message: its dtype and, for numbers, their range."""
    if np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        return f'{array.dtype} values {array.min():g} to {array.max():g}'
    return f'values of dtype {array.dtype}'


def check_declared(shape, itemsize, where, images):
    """Refuse, before anything is read, an array whose header (shape and bytes
    per value) asks for more than any data set here needs: images with a side
    above MAX_IMAGE_SIDE, or over MAX_ARRAY_BYTES. where names the array."""
    if images and any(side > MAX_IMAGE_SIDE for side in shape[1:3]):
        raise UsageError(f'{where} declares images of shape {tuple(shape)}; images larger than '
                         f'{MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} are refused')
    size = math.prod(shape) * itemsize
    if size > MAX_ARRAY_BYTES:
        raise UsageError(f'{where} declares {tuple(shape)} values of {itemsize} bytes, '
                         f'{size / 2**30:.1f} GiB; an array of over {MAX_ARRAY_BYTES // 2**30} '
                         'GiB is refused')
