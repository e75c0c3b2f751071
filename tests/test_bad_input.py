"""Hostile flags and paths, through the real scripts: one line naming the bad
value and what is allowed, exit status 2, no traceback, nothing written.

Each case of BAD_INPUT is one line: the script, its arguments (a function of
a scratch folder that may set things up there), and words the message must
hold. Bad --data has its own table in test_bad_data.py.
"""
import os
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

import keras
import util
from conftest import ROOT, last_line, rigged_model, run_script, snapshot
from test_model_files import write_keras2_gru_file


def a_file(folder, name='file'):
    path = folder / name
    path.write_text('not a folder')
    return path


def a_folder(folder, name):
    path = folder / name
    path.mkdir(parents=True)
    return path


def a_link(folder, name, target):
    """folder, holding a symbolic link name to target."""
    folder.mkdir(exist_ok=True)
    (folder / name).symlink_to(target)
    return folder


def read_only_folder(folder):
    """A folder in folder that this process cannot write in: for root, who
    may write anywhere, a read-only file system mounted there."""
    path = a_folder(folder, 'read-only')
    if os.geteuid() != 0:
        path.chmod(0o555)
    elif subprocess.run(['mount', '-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', str(path)],
                        capture_output=True).returncode != 0:
        pytest.skip('as root, a folder that cannot be written needs a read-only mount, and '
                    'mounting is not allowed here')
    return path


@pytest.fixture(autouse=True)
def unmount_after(tmp_path):
    yield
    with open('/proc/mounts') as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(f'{tmp_path}/')]
    for point in points:
        subprocess.run(['umount', point], check=True)


# Over the 255 bytes any common file system allows a name, after 19 folders
# that would be made before it.
TOO_LONG = '/'.join(['f'] * 19 + ['x' * 300])


def foreign_model(folder):
    """A grey 7-level model of layers that are not this project's."""
    network = keras.Sequential([keras.Input((None, 7)), keras.layers.Dense(7, 'softmax')])
    network.save(folder / 'model_0.h5')
    return folder


def hostile_keras2(folder):
    write_keras2_gru_file(str(folder / 'model_0.h5'), declared_units=10 ** 8)
    return folder


def labels_above_9(folder):
    path = folder / 'digits.npz'
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
             y_train=np.arange(4), x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
             y_test=np.array([3, 12]))
    return path


def case(name, script, args, *words):
    return pytest.param(script, args, words, id=name)


BAD_INPUT = [
    # Numbers out of any sense, and digits that only look like digits.
    case('huge epochs', 'train_mnist.py', lambda d: ['--epochs=' + '1' * 27],
         '--epochs', "'111111111111111111111111111'", '1-100000'),
    case('superscript digit', 'generate.py', lambda d: ['--digit=³'], '--digit', "'³'", '0-9'),
    case('spaced digit', 'train_mnist.py', lambda d: ['--digit= 3 '], '--digit', "' 3 '", '0-9'),
    case('arabic digit', 'train_mnist.py', lambda d: ['--digit=٣'], '--digit', "'٣'", '0-9'),
    case('grid of 10000', 'generate.py', lambda d: ['--grid_size=10000'],
         '--grid_size', "'10000'", '1-100'),
    case('output of a million', 'generate.py', lambda d: ['--output_size=1000000'],
         '--output_size', "'1000000'", '1-4096'),
    case('output of 10^14', 'generate.py', lambda d: ['--output_size=99999999999999'],
         '--output_size', '1-4096'),
    case('picture too wide', 'generate.py', lambda d: ['--grid_size=100', '--output_size=4096'],
         '409600 pixels wide', 'the most is 16384'),
    case('temperature 1e-320', 'generate.py', lambda d: ['--temperature=1e-320'],
         '--temperature', "'1e-320'", '0.01-100'),
    case('temperature nan', 'generate.py', lambda d: ['--temperature=nan'],
         '--temperature', "'nan'", '0.01-100'),
    case('batch of 10^12', 'train_cifar.py', lambda d: ['--batch_size=1000000000000'],
         '--batch_size', '1-65536'),
    # Flags that do not go together.
    case('all digits and a digit', 'train_mnist.py', lambda d: ['--all_digits', '--digit=3'],
         '--all_digits', '--digit=3'),
    case('all labels and a label', 'train_cifar.py', lambda d: ['--all_labels', '--label=cat'],
         '--all_labels', '--label=cat'),
    case('gru with filters', 'train_mnist.py', lambda d: ['--filters=8'],
         '--filters', '--arch=pixelcnn'),
    case('pixelcnn with units', 'train_cifar.py', lambda d: ['--arch=pixelcnn', '--units=64'],
         '--units', '--arch=gru'),
    case('units of 10^6', 'train_mnist.py', lambda d: ['--units=1000000'], '--units', '1-4096'),
    case('moves 3', 'classification.py', lambda d: ['--moves=3'], '--moves', '3', '0, 2, 4, 8'),
    case('sigmoid of 7 levels', 'train_mnist.py', lambda d: ['--arch=pixelcnn', '--head=sigmoid'],
         '--head=sigmoid', '--max_intensity=1'),
    # Where results would go.
    case('out empty', 'generate.py', lambda d: ['--out='], "--out ''", '.png'),
    case('out as text', 'generate.py', lambda d: [f'--out={d}/grid.txt'], 'grid.txt', '.png'),
    case('out under a file', 'generate.py', lambda d: [f'--out={a_file(d)}/grid.png'],
         'grid.png', 'cannot write a file there'),
    case('out at a folder', 'generate.py', lambda d: [f'--out={a_folder(d, "grid.png")}'],
         'grid.png', 'cannot write a file there'),
    case('models_dir a file', 'train_mnist.py', lambda d: [f'--models_dir={a_file(d)}'],
         '--models_dir', 'is a file'),
    case('models_dir under a file', 'train_mnist.py',
         lambda d: [f'--models_dir={a_file(d)}/models'], '--models_dir', 'is a file'),
    case('model file a folder', 'train_mnist.py',
         lambda d: [f'--models_dir={a_folder(d, "models/model_0.h5").parent}'],
         'model_0.h5 is not a file'),
    case('logdir a file', 'train_mnist.py', lambda d: [f'--logdir={a_file(d)}'],
         '--logdir', 'is a file'),
    case('logdir read-only', 'train_mnist.py', lambda d: [f'--logdir={read_only_folder(d)}/logs'],
         '--logdir', 'read-only/logs', 'cannot write in'),
    case('models_dir read-only', 'train_mnist.py',
         lambda d: [f'--models_dir={read_only_folder(d)}'], '--models_dir', 'cannot write in'),
    case('models_dir name too long', 'train_mnist.py', lambda d: [f'--models_dir={d}/{TOO_LONG}'],
         '--models_dir', 'the name xxxx', 'is 300 bytes long', 'allows 255'),
    case('models_dir path too long', 'train_mnist.py',
         lambda d: [f"--models_dir={d}/{'/'.join(['f' * 200] * 21)}"], '--models_dir',
         'the path is', 'bytes long', 'allows'),
    case('logdir name too long', 'train_mnist.py', lambda d: [f'--logdir={d}/{TOO_LONG}'],
         '--logdir', 'is 300 bytes long'),
    case('out name too long', 'generate.py', lambda d: [f'--out={d}/{TOO_LONG}.png'],
         '--out', 'is 304 bytes long', 'allows 255'),
    # Where training writes files of its own, never through a link.
    case('model file a link', 'train_mnist.py',
         lambda d: [f"--models_dir={a_link(d / 'models', 'model_0.h5', '/etc/passwd')}"],
         'model_0.h5 is a symbolic link', '/etc/passwd'),
    case('backup a link', 'train_mnist.py',
         lambda d: [f"--models_dir={a_link(d / 'models', 'model_0.h5.resume', '.')}"],
         'model_0.h5.resume is a symbolic link'),
    case('backup a file', 'train_mnist.py',
         lambda d: [f"--models_dir={a_file(a_folder(d, 'models'), 'model_0.h5.resume').parent}"],
         'model_0.h5.resume is not a folder'),
    case('lock a link', 'train_mnist.py',
         lambda d: [f"--models_dir={a_link(d / 'models', 'model_0.h5.lock', '/etc/passwd')}"],
         'model_0.h5.lock is a symbolic link'),
    case('log a link', 'train_mnist.py',
         lambda d: [f"--models_dir={a_link(d / 'models', 'model_3.h5.log', '/etc/passwd')}",
                    '--all_digits'],
         'model_3.h5.log is a symbolic link'),
    # Files from elsewhere.
    case('labels above 9', 'classification.py', lambda d: [f'--data={labels_above_9(d)}'],
         'test labels include 12', '0-9'),
    case('foreign model', 'generate.py', lambda d: [f'--models_dir={foreign_model(d)}'],
         'model_0.h5', 'does not say what it models'),
    case('hostile keras 2 file', 'generate.py', lambda d: [f'--models_dir={hostile_keras2(d)}'],
         'model_0.h5', '100000000 GRU units'),
]


@pytest.mark.parametrize('script, args, words', BAD_INPUT)
@pytest.mark.slow
def test_bad_input_gets_one_line_and_exit_2(tmp_path, script, args, words):
    before = sorted(os.listdir(tmp_path))
    arguments = args(tmp_path)
    made = snapshot(tmp_path)
    result = run_script(script, *arguments)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    for word in words:
        assert word in last_line(result.stderr), last_line(result.stderr)
    assert snapshot(tmp_path) == made, 'a refused run writes nothing, changes nothing'
    assert before == [] or made


def test_help_shows_the_defaults():
    result = run_script('train_mnist.py', '--help')
    assert result.returncode == 0
    assert '(default: 32)' in result.stdout and '(default: 50)' in result.stdout


@pytest.mark.slow
def test_from_another_folder_the_shipped_models_are_found_and_only_our_lines_shown(tmp_path):
    result = run_script(os.path.join(ROOT, 'generate.py'), '--digit=7', '--grid_size=2',
                        '--out=grid.jpg', '--seed=0', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == '', 'TensorFlow start-up lines must not reach the user'
    assert result.stdout.strip() == 'Saved grid.jpg'
    with Image.open(tmp_path / 'grid.jpg') as grid:
        assert grid.format == 'JPEG'
    assert os.listdir(tmp_path) == ['grid.jpg']


@pytest.mark.slow
def test_a_subset_keeps_the_classes_balanced_and_fewer_images_are_said(tmp_path):
    for digit in range(10):
        util.save_model(rigged_model(np.full(7, 1 / 7), class_name=str(digit)),
                        util.model_path(str(tmp_path), digit))
    result = run_script('classification.py', '--data=bundled', '--num_images=500', '--report',
                        f'--models_dir={tmp_path}')
    assert result.returncode == 0, result.stderr
    supports = re.findall(r'^ +(\d) +[\d.]+ +[\d.]+ +[\d.]+ +(\d+)$', result.stdout, re.M)
    assert [int(support) for _, support in supports] == [50] * 10, result.stdout
    assert '\x1b' not in result.stdout, 'no terminal control characters in a pipe'
    result = run_script('classification.py', '--data=bundled', '--num_images=1000000',
                        f'--models_dir={tmp_path}')
    assert result.returncode == 0, result.stderr
    assert 'Only 5000 test images; classifying all of them' in result.stdout
