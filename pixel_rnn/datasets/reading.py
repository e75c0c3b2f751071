"""Reading image data sets from local files or Keras's downloads, whatever the files hold.

Every data set's loader returns a Dataset of uint8 images, (m, h, w) grey or
(m, 32, 32, 3) colour, and int64 labels 0-9, or raises a one-line UsageError
naming the data, what was found there and what was expected.
"""
import contextlib
import dataclasses
import errno
import glob
import gzip
import math
import os
import struct
import warnings
import zipfile
import zlib

import numpy as np
from PIL import Image, ImageMode

from pixel_rnn import files
from pixel_rnn.errors import UsageError
from pixel_rnn.startup import held_stderr

# The formats pictures are read in, whatever a file's name says (Pillow
# would open others it knows, some by running programs: EPS runs Ghostscript),
# and the suffixes a folder's picture files have.
PICTURE_FORMATS = ('PNG', 'JPEG', 'BMP', 'GIF', 'TIFF', 'WEBP')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp')
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


def from_keras(name):
    """((x_train, y_train), (x_test, y_test)) of keras.datasets.<name>: from
    Keras's cache, else downloaded."""
    with held_stderr():
        import keras
    return getattr(keras.datasets, name).load_data()


def keras_or_refused(name, title, class_names, shape, formats):
    """keras.datasets.<name> (called title in messages), checked; where Keras
    cannot give it, a UsageError saying to pass --data, with formats."""
    try:
        (x_train, y_train), (x_test, y_test) = from_keras(name)
    except Exception as error:  # any failure to download or read the cache
        raise UsageError(f'{keras_failure(error, title)}; pass --data PATH: {formats}') from None
    return checked(Dataset(x_train, y_train, x_test, y_test, list(class_names), 'keras'),
                   f"Keras's {title}", shape)


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
    kind = files.kind(os.fstat(descriptor).st_mode)
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


def load_grey(path, formats, class_names):
    """Grey images as MNIST ships them, from path: an .npz, a folder of the
    four IDX files, or class folders named class_names; formats names these."""
    def read_file(file):
        return load_npz(file, formats, class_names) if file.endswith('.npz') else None

    def read_folder(folder):
        if idx_files(folder):
            return load_idx_folder(folder, class_names)
        if os.path.isdir(os.path.join(folder, 'train')):
            return load_class_folders(folder, 'L', class_names, every_class=False)
        return None
    return named(checked(load_path(path, formats, read_file, read_folder), f'--data {path}',
                         GREY_SHAPE), path)


def load_path(path, formats, read_file, read_folder):
    """The data set at path, read by read_file or read_folder, which give None
    for a file or folder they do not recognise; formats names what they do."""
    try:
        info = os.stat(path)
    except FileNotFoundError:  # also a link to nothing
        raise UsageError(f'--data {path}: no such file or folder; give {formats}') from None
    except OSError as error:
        raise unreadable(path, error, '--data') from None
    kind = files.kind(info.st_mode)
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


def load_idx_folder(folder, class_names):
    return Dataset(*(read_idx(path) for path in idx_files(folder)), list(class_names))


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
                image = Image.open(file, formats=PICTURE_FORMATS)
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


def damaged_image(path, error, flag):
    if isinstance(error, Image.UnidentifiedImageError):
        found = f"not a picture in one of the formats read ({', '.join(PICTURE_FORMATS)})"
    else:
        found = f'a damaged image ({cause(error)})'
    return UsageError(f'{flag}: {path} is {found}; give images in '
                      f"{', '.join(IMAGE_SUFFIXES)} files")
