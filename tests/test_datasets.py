"""The data-set registry, and Fashion-MNIST, the data set that is only an entry and its loader."""
import os
import subprocess
import sys
import types

import numpy as np
import pytest
from PIL import Image

import config
import generate
import train
from pixel_rnn.datasets import DATASETS, cifar, fashion, mnist
from pixel_rnn.errors import UsageError
from conftest import ROOT, last_line, run_in_process
from test_data import assert_same, write_idx
from pixel_rnn.modelfile import sets

IDX_NAMES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
             't10k-labels-idx1-ubyte')


def test_the_registry_imports_without_keras():
    result = subprocess.run(
        [sys.executable, '-c', 'import sys, pixel_rnn.datasets; '
                               'print(sorted({"keras", "tensorflow"} & set(sys.modules)))'],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'


@pytest.mark.parametrize('settings, expected', [
    (mnist.MNIST, dict(
        colours=1, target_size=10, max_intensity=6, picture_size=28,
        class_names=tuple('0123456789'), gru='mnist_models', pixelcnn='mnist_pixelcnn_models',
        samples='samples_of_{}.png', completions='completions_of_{}.png',
        train_all='python train_mnist.py --all_digits',
        train_one='python train_mnist.py --digit={}')),
    (cifar.CIFAR, dict(
        colours=3, target_size=10, max_intensity=6, picture_size=32,
        class_names=('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
                     'ship', 'truck'),
        gru='cifar_models', pixelcnn='cifar_pixelcnn_models',
        samples='cifar_samples_of_{}.png', completions='cifar_completions_of_{}.png',
        train_all='python train_cifar.py --all_labels',
        train_one='python train_cifar.py --label={}')),
], ids=['mnist', 'cifar'])
def test_the_first_two_entries_say_what_the_scripts_said_before(settings, expected):
    """The folders, picture names and commands that config.Settings and
    generate.py named before data sets were entries: shipped models and
    README's commands rely on them."""
    assert DATASETS[settings.name] is settings
    assert (settings.colours, settings.target_size, settings.max_intensity,
            settings.picture_size, settings.class_names) == (
        expected['colours'], expected['target_size'], expected['max_intensity'],
        expected['picture_size'], expected['class_names'])
    assert settings.default_models_dir() == os.path.join(config.trained_dir, expected['gru'])
    assert settings.default_models_dir('pixelcnn') == os.path.join(config.trained_dir,
                                                                   expected['pixelcnn'])
    assert (settings.samples_file, settings.completions_file) == (expected['samples'],
                                                                  expected['completions'])
    assert (settings.train_all_command, settings.train_one_command) == (expected['train_all'],
                                                                        expected['train_one'])


def test_each_entry_names_its_own_models_folders_and_pictures():
    folders = [settings.default_models_dir(arch) for settings in DATASETS.values()
               for arch in ('gru', 'pixelcnn')]
    pictures = [getattr(settings, kind) for settings in DATASETS.values()
                for kind in ('samples_file', 'completions_file')]
    assert len(set(folders)) == len(folders) and len(set(pictures)) == len(pictures)
    assert fashion.FASHION.default_models_dir() == os.path.join(config.trained_dir,
                                                                'fashion_models')
    assert fashion.FASHION.samples_file.format('bag') == 'fashion_samples_of_bag.png'


# ---------------------------------------------------------------- Fashion-MNIST's data

def fashion_arrays(per_class=2, seed=0):
    """Grey 28x28 images, per_class training and one test image of each class,
    class k's images of brightness about 20k so that they differ by class."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_class), np.arange(10)
    return tuple(array for label in labels for array in (
        np.clip(rng.normal(20 * label[:, None, None] + 30, 10, (len(label), 28, 28)), 0,
                255).astype(np.uint8), label))


def fashion_idx_folder(folder, suffix='', per_class=2):
    arrays = fashion_arrays(per_class)
    folder.mkdir(exist_ok=True)
    for name, array in zip(IDX_NAMES, arrays):
        write_idx(str(folder / (name + suffix)), array, compress=suffix == '.gz')
    return arrays


@pytest.mark.parametrize('suffix', ['', '.gz'], ids=['plain', 'gzipped'])
def test_its_idx_files_are_read_plain_or_gzipped(tmp_path, suffix):
    arrays = fashion_idx_folder(tmp_path / 'fashion', suffix)
    dataset = fashion.load(str(tmp_path / 'fashion'))
    assert_same(dataset, *arrays)
    assert dataset.class_names == list(fashion.CLASSES)
    assert dataset.source == 'fashion'


def test_its_npz_is_read_like_mnists(tmp_path):
    arrays = fashion_arrays()
    np.savez(tmp_path / 'fashion.npz', **dict(zip(('x_train', 'y_train', 'x_test', 'y_test'),
                                                  arrays)))
    assert_same(fashion.load(str(tmp_path / 'fashion.npz')), *arrays)


def test_its_class_folders_are_named_by_its_class_names(tmp_path):
    for split, name in (('train', 'sneaker'), ('train', 't-shirt'), ('test', 'ankle-boot')):
        (tmp_path / split / name).mkdir(parents=True)
        Image.fromarray(np.full((28, 28), 200, np.uint8)).save(tmp_path / split / name / 'a.png')
    dataset = fashion.load(str(tmp_path))
    assert sorted(dataset.y_train) == [fashion.CLASSES.index('t-shirt'),
                                       fashion.CLASSES.index('sneaker')]
    assert list(dataset.y_test) == [fashion.CLASSES.index('ankle-boot')]
    (tmp_path / 'train' / '7').mkdir()  # MNIST's name for a class is not Fashion's
    with pytest.raises(UsageError, match='unknown class folders 7; class folders must be named '
                                         't-shirt, trouser'):
        fashion.load(str(tmp_path))


def fake_keras(load_data):
    """A keras module whose only data set is Fashion-MNIST, given by load_data."""
    return types.SimpleNamespace(
        datasets=types.SimpleNamespace(fashion_mnist=types.SimpleNamespace(load_data=load_data)))


def test_without_data_keras_gives_it(monkeypatch):
    x_train, y_train, x_test, y_test = fashion_arrays()
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(lambda: ((x_train, y_train),
                                                                  (x_test, y_test))))
    dataset = fashion.load()
    assert_same(dataset, x_train, y_train, x_test, y_test)
    assert (dataset.class_names, dataset.source) == (list(fashion.CLASSES), 'keras')


def test_without_data_or_network_one_line_says_to_pass_data(monkeypatch):
    def offline():
        raise OSError('no network')
    monkeypatch.setitem(sys.modules, 'keras', fake_keras(offline))
    with pytest.raises(UsageError, match=r'could not download Fashion-MNIST \(no network '
                                         r'connection\?\); pass --data PATH: .*IDX') as refused:
        fashion.load()
    assert '\n' not in str(refused.value)


# ---------------------------------------------------------------- its command lines

def test_train_takes_a_class_by_name_or_number(monkeypatch):
    for flags, label in ((['--label=sneaker'], 7), (['--label=9'], 9), ([], 0)):
        monkeypatch.setattr(sys, 'argv', ['train.py', '--dataset=fashion', *flags])
        args = train.parse_args()
        assert (args.settings, args.label, args.all_classes) == (fashion.FASHION, label, False)
        assert args.models_dir == os.path.join(config.trained_dir, 'fashion_models')
    monkeypatch.setattr(sys, 'argv', ['train.py', '--dataset=fashion', '--all_labels',
                                      '--arch=pixelcnn'])
    args = train.parse_args()
    assert args.all_classes and args.models_dir == os.path.join(config.trained_dir,
                                                                'fashion_pixelcnn_models')


@pytest.mark.parametrize('flags, words', [
    (['--label=boot'], ["--label: 'boot' is not a valid class", 'sneaker, bag, ankle-boot']),
    (['--label=10'], ["'10' is not a valid class; use 0-9"]),
    (['--all_labels', '--label=bag'],
     ['--all_labels trains all ten classes; leave out --label=bag']),
    (['--deskew'], ['unrecognized arguments: --deskew']),  # handwriting's, not clothes'
], ids=['unknown name', 'number too high', 'all and one', 'deskew'])
def test_train_refuses_in_one_line(flags, words):
    result = run_in_process('train.py', '--dataset=fashion', *flags)
    assert result.returncode == 2 and result.stdout == ''
    assert result.stderr.strip() == last_line(result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr


def test_generate_takes_its_class_names(monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['generate.py', '--dataset=fashion', '--label=ankle-boot'])
    args = generate.parse_args()
    assert (args.settings, args.class_name) == (fashion.FASHION, 'ankle-boot')


@pytest.mark.slow
def test_train_generate_and_classify_fashion(tmp_path):
    fashion_idx_folder(tmp_path / 'data', '.gz', per_class=3)
    models_dir = str(tmp_path / 'models')
    result = run_in_process('train.py', '--dataset=fashion', '--all_labels', '--epochs=1',
                            f'--data={tmp_path / "data"}', f'--models_dir={models_dir}',
                            '--units=8', '--target_size=6', '--seed=0', '--jobs=1')
    assert result.returncode == 0, result.stderr
    models = sets.load_models(models_dir, fashion.CLASSES, fashion.FASHION)
    assert [model.info.class_name for model in models] == list(fashion.CLASSES)
    assert {(model.info.dataset, model.info.num_images, model.info.data_source)
            for model in models} == {('fashion', 3, 'data')}

    grid = tmp_path / 'sneakers.png'
    result = run_in_process('generate.py', '--dataset=fashion', '--label=sneaker', '--grid_size=2',
                            f'--models_dir={models_dir}', f'--out={grid}', '--seed=0')
    assert result.returncode == 0, result.stderr
    with Image.open(grid) as picture:
        assert picture.size == (2 * 32 + 1, 2 * 32 + 1)

    result = run_in_process('classification.py', '--dataset=fashion',
                            f'--data={tmp_path / "data"}', f'--models_dir={models_dir}')
    assert result.returncode == 0, result.stderr
    accuracy = float(last_line(result.stdout).split(': ')[1])
    assert last_line(result.stdout).startswith('Classification accuracy') and 0 <= accuracy <= 1


def test_classification_without_fashion_models_says_how_to_train_them(tmp_path):
    result = run_in_process('classification.py', '--dataset=fashion', f'--models_dir={tmp_path}')
    assert result.returncode == 2
    assert ('train them with: python train.py --dataset=fashion --all_labels '
            f'--models_dir={tmp_path}') in result.stderr
