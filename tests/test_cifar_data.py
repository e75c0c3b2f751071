import os
import pickle
import shlex
import sys
import tarfile
import types

import numpy as np
import pytest
from PIL import Image

from pixel_rnn.datasets import cifar
from pixel_rnn.errors import UsageError

CIFAR_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
                 'ship', 'truck']
BATCH_NAMES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4',
               'data_batch_5', 'test_batch']


def random_images(seed, count):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, 10, count).astype(np.int64))


def batch_dict(images, labels):
    """A batch as CIFAR's python release pickles it: rows of R, G, B planes."""
    return {b'batch_label': b'testing batch',
            b'labels': [int(label) for label in labels],
            b'data': images.transpose(0, 3, 1, 2).reshape(len(images), 3072),
            b'filenames': [f'image_{i}.png'.encode() for i in range(len(images))]}


def dump(content, path):
    # Protocol 4, as Python 3.8 to 3.13 write by default: its numpy globals are the
    # ones real batches use (protocol 5 would name numpy._core.numeric._frombuffer).
    with open(path, 'wb') as f:
        pickle.dump(content, f, protocol=4)


def write_batches(folder, seed=0, label_names=None):
    """Five training batches of 2 images and a test batch of 3 in folder; returns
    (x_train, y_train, x_test, y_test) as load_cifar should give them."""
    folder.mkdir(parents=True)
    parts = [random_images(seed + i, 3 if name == 'test_batch' else 2)
             for i, name in enumerate(BATCH_NAMES)]
    for name, (images, labels) in zip(BATCH_NAMES, parts):
        dump(batch_dict(images, labels), folder / name)
    if label_names is not None:
        dump({b'label_names': [name.encode() for name in label_names],
              b'num_cases_per_batch': 2, b'num_vis': 3072}, folder / 'batches.meta')
    return (np.concatenate([images for images, _ in parts[:-1]]),
            np.concatenate([labels for _, labels in parts[:-1]]), *parts[-1])


def assert_same(dataset, x_train, y_train, x_test, y_test):
    for got, expected in ((dataset.x_train, x_train), (dataset.x_test, x_test)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
    for got, expected in ((dataset.y_train, y_train), (dataset.y_test, y_test)):
        assert got.dtype == np.int64 and got.ndim == 1
        np.testing.assert_array_equal(got, expected)


def make_tar(folder, tar_path):
    with tarfile.open(tar_path, 'w:gz') as tar:
        tar.add(folder, arcname='cifar-10-batches-py')


def test_standard_tar_is_read_without_extracting(tmp_path, monkeypatch):
    arrays = write_batches(tmp_path / 'cifar-10-batches-py', label_names=CIFAR_CLASSES)
    tar_path = tmp_path / 'cifar-10-python.tar.gz'
    make_tar(tmp_path / 'cifar-10-batches-py', tar_path)

    def no_extraction(*args, **kwargs):
        raise AssertionError('load_cifar extracted the tar to disk')
    monkeypatch.setattr(tarfile.TarFile, 'extract', no_extraction)
    monkeypatch.setattr(tarfile.TarFile, 'extractall', no_extraction)
    dataset = cifar.load(str(tar_path))
    assert_same(dataset, *arrays)
    assert dataset.class_names == CIFAR_CLASSES


@pytest.mark.parametrize('given', ['batches folder', 'its parent'])
def test_extracted_batches_folder(tmp_path, given):
    folder = tmp_path / 'cifar-10-batches-py'
    arrays = write_batches(folder)  # no batches.meta: the standard names apply
    dataset = cifar.load(str(folder if given == 'batches folder' else tmp_path))
    assert_same(dataset, *arrays)
    assert dataset.class_names == CIFAR_CLASSES


def test_batch_rows_are_red_then_green_then_blue_planes(tmp_path):
    red = np.arange(1024, dtype=np.uint8).reshape(32, 32)
    green = red.T.copy()
    blue = np.full((32, 32), 7, dtype=np.uint8)
    row = np.concatenate([red.ravel(), green.ravel(), blue.ravel()])
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    for name in BATCH_NAMES:
        dump({b'data': row[None, :], b'labels': [3]}, folder / name)
    dataset = cifar.load(str(folder))
    for images in (dataset.x_train, dataset.x_test):
        np.testing.assert_array_equal(images[0, :, :, 0], red)
        np.testing.assert_array_equal(images[0, :, :, 1], green)
        np.testing.assert_array_equal(images[0, :, :, 2], blue)


def test_npz_with_keras_shaped_labels(tmp_path):
    x_train, y_train = random_images(1, 4)
    x_test, y_test = random_images(2, 3)
    path = tmp_path / 'cifar.npz'
    np.savez(path, x_train=x_train, y_train=y_train.reshape(-1, 1).astype(np.uint8),
             x_test=x_test, y_test=y_test.reshape(-1, 1).astype(np.uint8))
    dataset = cifar.load(str(path))
    assert_same(dataset, x_train, y_train, x_test, y_test)
    assert dataset.class_names == CIFAR_CLASSES


def test_npz_of_grey_images_is_refused(tmp_path):
    path = tmp_path / 'mnist.npz'
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1))
    with pytest.raises(UsageError, match=r'mnist\.npz: training images of shape \(2, 28, 28\); '
                                         r'expected intensities .* of shape \(N, 32, 32, 3\)'):
        cifar.load(str(path))


@pytest.mark.parametrize('given', ['tree', 'folder holding the tree'])
def test_class_folder_tree_of_rgb_pngs(tmp_path, given):
    x_train, x_test = random_images(3, 20)[0], random_images(4, 10)[0]
    y_train, y_test = np.arange(20) * 3 % 10, np.arange(10)[::-1]  # written out of order
    root = tmp_path / 'cifar10'
    for split, images, labels in (('train', x_train, y_train), ('test', x_test, y_test)):
        for i, (image, label) in enumerate(zip(images, labels)):
            folder = root / split / CIFAR_CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image, 'RGB').save(folder / f'{i:04d}.png')
    dataset = cifar.load(str(root if given == 'tree' else tmp_path))
    assert dataset.class_names == CIFAR_CLASSES
    for images, labels, got_images, got_labels in (
            (x_train, y_train, dataset.x_train, dataset.y_train),
            (x_test, y_test, dataset.x_test, dataset.y_test)):
        order = np.argsort(labels, kind='stable')  # read class by class
        np.testing.assert_array_equal(got_labels, labels[order])
        assert got_images.shape == (len(images), 32, 32, 3)
        np.testing.assert_array_equal(got_images, images[order])


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, ('touch ' + shlex.quote(str(self.marker)),)


@pytest.mark.parametrize('packed', [False, True])
def test_pickle_that_calls_a_function_is_refused_unrun(tmp_path, packed):
    marker = tmp_path / 'pickle-ran-a-command'
    folder = tmp_path / 'cifar-10-batches-py'
    write_batches(folder)
    dump({b'data': RunsACommand(marker), b'labels': [0]}, folder / 'data_batch_1')
    path = tmp_path / 'cifar-10-python.tar.gz'
    if packed:
        make_tar(folder, path)
    with pytest.raises(UsageError, match=r'refusing to load .*data_batch_1.*system'):
        cifar.load(str(path if packed else folder))
    assert not marker.exists()


def test_missing_path_and_other_formats_are_clear_errors(tmp_path):
    with pytest.raises(UsageError, match=r'nowhere\.tar\.gz: no such file or folder.*npz'):
        cifar.load(str(tmp_path / 'nowhere.tar.gz'))
    other = tmp_path / 'images.csv'
    other.write_text('1,2,3')
    with pytest.raises(UsageError, match=r'images\.csv: unknown file format.*npz'):
        cifar.load(str(other))
    unrelated_tar = tmp_path / 'notes.tar.gz'
    with tarfile.open(unrelated_tar, 'w:gz') as tar:
        tar.add(other, arcname='notes/images.csv')
    with pytest.raises(UsageError, match=r'notes\.tar\.gz: no CIFAR-10 data_batch_1'):
        cifar.load(str(unrelated_tar))
    with pytest.raises(UsageError, match='holds no data set'):
        cifar.load(str(tmp_path))


def fake_keras(load_data):
    return types.SimpleNamespace(
        datasets=types.SimpleNamespace(cifar10=types.SimpleNamespace(load_data=load_data)))


def test_without_path_keras_labels_are_flattened(monkeypatch):
    x_train, y_train = random_images(5, 4)
    x_test, y_test = random_images(6, 2)
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(
        lambda: ((x_train, y_train.reshape(-1, 1).astype(np.uint8)),
                 (x_test, y_test.reshape(-1, 1).astype(np.uint8)))))
    dataset = cifar.load()
    assert_same(dataset, x_train, y_train, x_test, y_test)
    assert dataset.class_names == CIFAR_CLASSES


def test_without_path_a_keras_failure_names_the_data_flag(monkeypatch):
    def offline():
        raise OSError('no network')
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(offline))
    with pytest.raises(UsageError, match=r'CIFAR-10.*--data.*cifar-10-python\.tar\.gz') as error:
        cifar.load()
    assert '\n' not in str(error.value)
