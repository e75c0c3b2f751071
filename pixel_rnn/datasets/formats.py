"""Data sets from local files and folders: an .npz of four arrays, a folder of
MNIST's four IDX files, or train/ and test/ folders of class pictures (and
load_path's dispatch), sizes checked from headers before anything large is read."""
import glob
import gzip
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from pixel_rnn import files
from pixel_rnn.datasets.checks import MAX_ARRAY_BYTES, Dataset, cause, check_declared, checked
from pixel_rnn.datasets.opening import (IMAGE_SUFFIXES, decoded, folder_entries,
                                        open_data_file, open_image, unreadable)
from pixel_rnn.errors import UsageError


def load_path(path, formats, class_names, shape, read_format, every_class=False):
    """The data set at path, checked to be of shape: an .npz, train/ and test/
    class folders (every_class: whether each class needs one), or what
    read_format(path) reads, the data set's own format, as four arrays (None
    for what it does not recognise); formats names them all."""
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
        arrays = load_npz(path, formats) if path.endswith('.npz') else read_format(path)
        problem = 'unknown file format'
    elif kind == 'a folder':
        folder_entries(path)  # an unreadable folder is said to be so, not to be empty
        arrays = read_format(path) or load_class_folders(path, shape, class_names, every_class)
        problem = 'the folder holds no data set'
    else:
        raise UsageError(f'--data {path}: {kind}, not a file or folder; give {formats}')
    if arrays is None:
        raise UsageError(f'--data {path}: {problem}; give {formats}')
    # Its source is the file or folder name, never the whole path, which says
    # nothing of the data and much of the machine.
    source = os.path.basename(os.path.normpath(path))
    return checked(Dataset(*arrays, list(class_names), source), f'--data {path}', shape)


def load_npz(path, formats):
    """x_train, y_train, x_test, y_test of the .npz at path, each array's size
    checked from its .npy header before it is inflated; never an array of
    Python objects, whose unpickling could run code."""
    unreadable_npz = f'--data {path}: not a readable .npz ({{}}); give {formats}'
    keys = ('x_train', 'y_train', 'x_test', 'y_test')
    with open_data_file(path) as file:
        if file.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX:
            raise UsageError(unreadable_npz.format('one .npy array, not a zip of named arrays'))
        try:
            with zipfile.ZipFile(file) as archive:
                # np.savez names its members x_train.npy and so on.
                members = {name.removesuffix('.npy'): name for name in archive.namelist()}
                missing = [key for key in keys if key not in members]
                if missing:
                    raise UsageError(f"--data {path}: no {', '.join(missing)} in it; "
                                     f'give {formats}')
                arrays = []
                for key in keys:
                    with archive.open(members[key]) as member:
                        version = np.lib.format.read_magic(member)
                        shape, _, dtype = (np.lib.format.read_array_header_1_0(member)
                                           if version == (1, 0) else
                                           np.lib.format.read_array_header_2_0(member))
                    check_declared(shape, dtype.itemsize, f'--data {path}: {key}',
                                   images=key.startswith('x_'))
                    with archive.open(members[key]) as member:
                        arrays.append(np.lib.format.read_array(member, allow_pickle=False))
        except UsageError:
            raise
        except Exception as error:  # a damaged zip can fail in any number of ways
            raise UsageError(unreadable_npz.format(cause(error))) from None
    return arrays


def idx_arrays(path):
    """The arrays of MNIST's four IDX files in the folder at path, named
    'train-images-idx3-ubyte' or 'train-images.idx3-ubyte', gzipped or not;
    None where any is missing (or path is a file)."""
    found = [sorted(glob.glob(os.path.join(glob.escape(path), f'{name}[-.]idx[13]-ubyte*')))
             for name in ('train-images', 'train-labels', 't10k-images', 't10k-labels')]
    return [read_idx(paths[0]) for paths in found] if all(found) else None


def read_idx(path):
    """The array in the IDX file at path (gzipped if it ends in .gz), read no
    further than its header promises: a bomb inflates no more than that."""
    with open_data_file(path) as opened:
        try:
            with (gzip.GzipFile(fileobj=opened) if path.endswith('.gz') else opened) as file:
                magic = file.read(4)
                if len(magic) < 4 or magic[:2] != b'\0\0' or magic[2] != 0x08:
                    raise UsageError(f'--data: {path} is not an IDX file of unsigned bytes')
                header_size = 4 + 4 * magic[3]
                sizes = file.read(header_size - 4)
                if len(sizes) < header_size - 4:
                    raise UsageError(f'--data: {path} ends inside its IDX header, after '
                                     f'{4 + len(sizes)} of its {header_size} bytes; the file '
                                     'is cut short')
                shape = struct.unpack(f'>{magic[3]}I', sizes)
                check_declared(shape, 1, f'--data: {path}', images=len(shape) == 3)
                size = math.prod(shape)
                content = file.read(size)
                if len(content) < size:
                    raise UsageError(f'--data: {path} holds {len(content)} bytes after its '
                                     f'header, which promises {shape}, {size} bytes; the file '
                                     'is damaged')
                if file.read(1):
                    raise UsageError(f'--data: {path} holds more than the {size} bytes its '
                                     f'header promises ({shape}); the file is damaged')
        except (OSError, EOFError, zlib.error) as error:  # what a damaged gzip raises
            raise UsageError(f'--data: cannot read {path} ({cause(error)})') from None
    return np.frombuffer(content, dtype=np.uint8).reshape(shape)


def load_class_folders(folder, shape, class_names, every_class):
    """root/train/<class>/*.png|jpg... and root/test/<class>/..., grey or
    colour as shape says, root being folder or its only subfolder (a tar of
    class folders usually unpacks to one, like cifar10/); None if neither
    holds train/. A label is the position of its folder's name in class_names;
    every_class: whether each class needs a folder."""
    mode = 'RGB' if len(shape) == 4 else 'L'
    subfolders = [entry.path for entry in folder_entries(folder) if entry.is_dir()]
    roots = [folder, *subfolders] if len(subfolders) == 1 else [folder]
    root = next((root for root in roots if os.path.isdir(os.path.join(root, 'train'))), None)
    if root is None:
        return None
    splits = []
    for split in ('train', 'test'):
        if not os.path.isdir(os.path.join(root, split)):
            raise UsageError(f'--data {root}: no {split}/ folder; give train/<class>/ and '
                             'test/<class>/ folders of images')
        splits += read_split(os.path.join(root, split), class_names, every_class, mode)
    return splits


def read_split(folder, class_names, every_class, mode):
    """(images, labels) from folder/<class>/, class by class; the first
    picture's size times their count checked before any is decoded."""
    present = class_folder_names(folder, class_names, every_class)
    pictures = [(entry.path, label) for label, name in enumerate(class_names) if name in present
                for entry in folder_entries(os.path.join(folder, name))
                if entry.name.lower().endswith(IMAGE_SUFFIXES)]
    if not pictures:
        raise UsageError(f'--data: no images under {folder}/<class>/; give '
                         f"{', '.join(IMAGE_SUFFIXES)} files")
    for index, (path, _) in enumerate(pictures):
        with open_image(path) as image:
            if index == 0:
                first_path, (width, height) = path, image.size
                shape = (len(pictures), height, width) + ((3,) if mode == 'RGB' else ())
                if math.prod(shape) > MAX_ARRAY_BYTES:
                    raise UsageError(
                        f'--data: {folder} holds {len(pictures)} pictures of {width}x{height}, '
                        f'{math.prod(shape) / 2**30:.1f} GiB decoded; over '
                        f'{MAX_ARRAY_BYTES // 2**30} GiB of images is refused')
                images = np.empty(shape, dtype=np.uint8)
            elif image.size != (width, height):
                raise UsageError(f'--data: images under {folder} differ in size: {first_path} is '
                                 f'{width}x{height} but {path} is {image.width}x{image.height}; '
                                 'give images of one size')
            images[index] = decoded(image, mode)
    return images, np.asarray([label for _, label in pictures], dtype=np.int64)


def class_folder_names(folder, class_names, every_class):
    """The names of the class folders in folder, each one of class_names (with
    every_class, all of them). A link that leads nowhere, round in a loop, or
    back to folder or above (its classes read again as one) is refused."""
    # Hidden folders, such as Jupyter's .ipynb_checkpoints, hold no class.
    entries = [entry for entry in folder_entries(folder) if not entry.name.startswith('.')]
    for entry in filter(os.DirEntry.is_symlink, entries):
        try:
            os.stat(entry.path)
        except OSError as error:
            raise unreadable(entry.path, error, '--data') from None
        target = os.path.realpath(entry.path)
        if os.path.commonpath([target, os.path.realpath(folder)]) == target:
            raise UsageError(f'--data: {entry.path} links back to {target}, which holds it (a '
                             'symlink loop); give class folders of pictures')
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
