"""Hostile flags and paths, through the real scripts: one line naming the bad
value and what is allowed, exit status 2, no traceback, nothing written.

Each case of BAD_INPUT is one line: the script, its arguments (a function of
a scratch folder that may set things up there), and words the message must
hold. Bad --data has its own table in test_bad_data.py.
"""
import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import keras
from pixel_rnn import files, startup
from pixel_rnn import runner
from pixel_rnn.modelfile import saving
import config
import test_model_files as hostile
from conftest import (ROOT, last_line, rigged_model, run_in_process, run_script, snapshot,
                      unwrapped)
from test_model_files import write_keras2_gru_file


def a_file(folder, name='file'):
    path = folder / name
    path.write_text('not a folder')
    return path


def a_folder(folder, name):
    path = folder / name
    path.mkdir(parents=True)
    return path


def a_picture(folder):
    path = folder / 'digit.png'
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(path)
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


def empty_file(folder):
    path = folder / 'empty.jpg'
    path.write_bytes(b'')
    return path


def cut_off_png(folder):
    path = folder / 'cut.png'
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    path.write_bytes(path.read_bytes()[:400])
    return path


def blank_png(folder, size):
    """A 1-bit picture: small on disk whatever its size."""
    path = folder / f'blank_{size[0]}x{size[1]}.png'
    Image.new('1', size).save(path)
    return path


def labels_above_9(folder):
    path = folder / 'digits.npz'
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
             y_train=np.arange(4), x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
             y_test=np.array([3, 12]))
    return path


def eps_named_png(folder):
    """An EPS file named digit.png: Pillow reads EPS by running Ghostscript."""
    path = folder / 'digit.png'
    path.write_text('%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n'
                    '0 0 moveto 28 28 lineto stroke\nshowpage\n')
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
         '409699 pixels wide', 'the most is 16384'),
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
    case('digit 10 to draw', 'generate.py', lambda d: ['--digit=10'], "'10'", 'use 0-9 (see'),
    # Flags by their whole names only: --data is not --dataset.
    case('abbreviated flag', 'classification.py', lambda d: ['--data=mnist.npz', '--model=x'],
         'unrecognized arguments: --model=x'),
    case('abbreviated training flag', 'train_mnist.py', lambda d: ['--epoch=3'],
         'unrecognized arguments: --epoch=3'),
    # A person's own pictures.
    case('text as a picture', 'classification.py',
         lambda d: ['--images', str(a_file(d, 'digit.png'))],
         'digit.png', 'not a picture in one of the formats read', '.png, .jpg'),
    case('empty picture', 'classification.py', lambda d: ['--images', str(empty_file(d))],
         'empty.jpg', 'an empty file'),
    case('cut-off picture', 'classification.py', lambda d: ['--images', str(cut_off_png(d))],
         'cut.png', 'damaged image'),
    case('picture 9000 wide', 'classification.py',
         lambda d: ['--images', str(blank_png(d, (9000, 20)))], '9000x20 pixels',
         'larger than 8192x8192'),
    case('decompression bomb', 'classification.py',
         lambda d: ['--images', str(blank_png(d, (12000, 12000)))], 'over',
         'larger than 8192x8192'),
    case('no such picture', 'classification.py', lambda d: ['--images', f'{d}/none.png'],
         'none.png', 'no such file or folder'),
    case('folder without pictures', 'classification.py',
         lambda d: ['--images', str(a_folder(d, 'empty'))], 'empty', 'no pictures'),
    case('pictures and report', 'classification.py',
         lambda d: ['--images', str(d), '--report'], '--images', 'leave out --report'),
    case('report_dir a file', 'classification.py',
         lambda d: ['--report', f'--report_dir={a_file(d)}/report'], '--report_dir',
         'is a file; give a folder'),
    case('report picture a folder', 'classification.py',
         lambda d: ['--report',
                    f"--report_dir={a_folder(d, 'r/mnist_models_misclassified.png').parent}",
                    '--data=bundled'], 'mnist_models_misclassified.png is a folder'),
    case('sigmoid of 7 levels', 'train_mnist.py', lambda d: ['--arch=pixelcnn', '--head=sigmoid'],
         '--head=sigmoid', '--max_intensity=1'),
    # Where results would go.
    case('out empty', 'generate.py', lambda d: ['--out='], "--out ''", '.png'),
    case('out as text', 'generate.py', lambda d: [f'--out={d}/grid.txt'], 'grid.txt', '.png'),
    case('out as QOI, no grey', 'generate.py', lambda d: [f'--out={d}/grid.qoi'], 'grid.qoi',
         '.png'),
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
    # Completing images (the shipped GRUs are of 10x10 images).
    case('given rows 0', 'generate.py',
         lambda d: ['--complete', '--given_rows=0', '--data=bundled', f'--out={d}/c.png'],
         '--given_rows', "'0'", '1-10'),
    case('given rows beyond the image', 'generate.py',
         lambda d: ['--complete', '--given_rows=11', '--data=bundled', f'--out={d}/c.png'],
         '--given_rows', "'11'", '1-10'),
    case('given rows negative', 'generate.py',
         lambda d: ['--complete', '--given_rows=-3', f'--out={d}/c.png'],
         '--given_rows', "'-3'", '1-10'),
    case('given rows without complete', 'generate.py', lambda d: ['--given_rows=3'],
         '--given_rows', '--complete'),
    case('picture files and data', 'generate.py',
         lambda d: ['--complete', str(a_picture(d)), '--data=bundled'],
         '--data', 'picture files'),
    case('complete a text file', 'generate.py',
         lambda d: ['--complete', str(a_file(d, 'digit.png')), f'--out={d}/c.png'],
         '--complete', 'digit.png', 'not a picture in one of the formats read'),
    case('complete an EPS file', 'generate.py',
         lambda d: ['--complete', str(eps_named_png(d)), f'--out={d}/c.png'],
         '--complete', 'digit.png', 'not a picture in one of the formats read'),
    case('complete a missing file', 'generate.py',
         lambda d: ['--complete', f'{d}/none.png', f'--out={d}/c.png'],
         '--complete', 'none.png', 'no such file or folder'),
    case('completions out as text', 'generate.py',
         lambda d: ['--complete', '--data=bundled', f'--out={d}/c.txt'], 'c.txt', '.png'),
    case('completions too high', 'generate.py',
         lambda d: ['--complete', '--num_images=100', '--output_size=200'],
         '20099 pixels high', 'the most is 16384'),
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
         'model_0.h5', "has no GRU layer; only the tutorial's GRU models are read"),
    case('hostile keras 2 file', 'generate.py', lambda d: [f'--models_dir={hostile_keras2(d)}'],
         'model_0.h5', 'gru units 100000000'),
]


@pytest.mark.parametrize('script, args, words', BAD_INPUT)
@pytest.mark.slow
def test_bad_input_gets_one_line_and_exit_2(tmp_path, script, args, words):
    arguments = args(tmp_path)
    made = snapshot(tmp_path)
    result = run_in_process(script, *arguments)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    for word in words:
        assert word in last_line(result.stderr), last_line(result.stderr)
    assert snapshot(tmp_path) == made, 'a refused run writes nothing, changes nothing'


def test_help_shows_the_defaults():
    result = run_script('train_mnist.py', '--help')
    assert result.returncode == 0
    assert '(default: 32)' in result.stdout
    assert '(default 50; with --discriminative 4)' in ' '.join(result.stdout.split())


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
        saving.save(rigged_model(np.full(7, 1 / 7), class_name=str(digit)),
                        config.model_path(str(tmp_path), digit))
    result = run_in_process('classification.py', '--data=bundled', '--num_images=500', '--report',
                            f'--models_dir={tmp_path}', f'--report_dir={tmp_path}/report')
    assert result.returncode == 0, result.stderr
    supports = re.findall(r'^ +(\d) +[\d.]+ +[\d.]+ +[\d.]+ +(\d+)$', result.stdout, re.M)
    assert [int(support) for _, support in supports] == [50] * 10, result.stdout
    assert '\x1b' not in result.stdout, 'no terminal control characters in a pipe'
    rng = np.random.default_rng(0)
    np.savez(tmp_path / 'digits.npz', x_train=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
             y_train=np.arange(10), x_test=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
             y_test=np.arange(30) % 10)
    result = run_in_process('classification.py', f'--data={tmp_path}/digits.npz',
                            '--num_images=1000000', f'--models_dir={tmp_path}')
    assert result.returncode == 0, result.stderr
    assert 'Only 30 test images; classifying all of them' in result.stdout


# ---------------------------------------------------------------- hostile model files
# Each case of HOSTILE_MODELS is one line: how model_0.h5 of a folder of ten
# good MNIST models is made hostile (test_model_files.py), words the message
# must hold, and the scripts that read it besides describe.py. describe.py
# reads every case in one run, through the checks loading makes; the other
# scripts read one case of each kind (a script run loads all ten models).

def hostile_case(name, change, *words, scripts=()):
    return pytest.param(change, words, scripts, id=name)


def both(*changes):
    """One change of a file that makes each of changes in turn."""
    def change(path):
        for each in changes:
            each(path)
    return change


GENERATE, CLASSIFY = ('generate.py',), ('classification.py',)
HOSTILE_MODELS = [
    # Weights.
    hostile_case('weight NaN', hostile.with_weight(np.nan), "'logits/logits/bias'", 'not finite',
                 scripts=GENERATE + CLASSIFY),
    hostile_case('weight infinite', hostile.with_weight(-np.inf), 'not finite'),
    hostile_case('float16 weights', hostile.weights_as(np.float16), 'float16', 'float32',
                 scripts=GENERATE),
    hostile_case('float64 weights', hostile.weights_as(np.float64), 'float64', 'float32'),
    hostile_case('weights transposed', hostile.transposed, "'logits/logits/kernel'", '(7, 4)',
                 'not have the shapes', scripts=GENERATE),
    hostile_case('stored in /etc/passwd', hostile.stored_in(lambda path: '/etc/passwd'),
                 'stored in other files', scripts=CLASSIFY),
    hostile_case('stored in a FIFO', hostile.stored_in(hostile.a_fifo), 'stored in other files',
                 scripts=GENERATE),
    hostile_case('mapped from another file', hostile.mapped_from_another_file,
                 'stored in other files'),
    hostile_case('external link to a FIFO', hostile.linked_to_a_fifo, "'logits'",
                 'a link to', 'fifo', scripts=CLASSIFY),
    hostile_case('soft link', hostile.soft_linked, "'logits'", 'a link'),
    hostile_case('compressed', hostile.gzipped, 'compressed'),
    hostile_case('chunks missing', hostile.partly_written, "'logits/logits/kernel'", 'unwritten'),
    # The record.
    hostile_case('colours 1.0', hostile.attribute('colours', 1.0), 'colours 1.0'),
    hostile_case('image size 10.0', hostile.attribute('image_size', 10.0), 'image_size 10.0',
                 scripts=GENERATE),
    hostile_case('levels true', hostile.attribute('levels', True), 'levels True'),
    hostile_case('prior negative', hostile.attribute('prior', -0.1), 'prior -0.1'),
    hostile_case('prior infinite', hostile.attribute('prior', np.inf), 'prior inf'),
    hostile_case('prior NaN', hostile.attribute('prior', np.nan), 'prior nan'),
    hostile_case('held-out bits NaN', hostile.attribute('held_out_bits_99', np.nan),
                 'held_out_bits_99 nan'),
    hostile_case('held-out bits negative', hostile.attribute('held_out_bits', -1.0),
                 'held_out_bits -1.0'),
    hostile_case('held-out 1st percentile NaN', hostile.attribute('held_out_bits_1', np.nan),
                 'held_out_bits_1 nan'),
    hostile_case('held-out 1st percentile negative', hostile.attribute('held_out_bits_1', -0.5),
                 'held_out_bits_1 -0.5'),
    hostile_case('held-out 1st percentile text', hostile.attribute('held_out_bits_1', 'low'),
                 "held_out_bits_1 'low'"),
    hostile_case('held-out 1st percentile above the 99th',
                 both(hostile.attribute('held_out_bits_99', 1.0),
                      hostile.attribute('held_out_bits_1', 1.5)),
                 'held_out_bits_1 1.5 is above held_out_bits_99 1.0', scripts=CLASSIFY),
    hostile_case('prior above 1', hostile.attribute('prior', 1.5), 'prior 1.5'),
    hostile_case('prior 1e300', hostile.attribute('prior', 1e300), 'prior 1e+300',
                 scripts=CLASSIFY),
    hostile_case('prior text', hostile.attribute('prior', 'high'), "prior 'high'",
                 scripts=GENERATE),
    hostile_case('units 8.0', hostile.attribute('params', '{"units": 8.0, "reset_after": true, '
                                                '"recurrent_activation": "sigmoid"}'),
                 'gru units 8.0'),
    hostile_case('params a list', hostile.attribute('params', '["units"]'), "['units']"),
    hostile_case('params nested deep', hostile.attribute('params', hostile.NESTED),
                 'params', 'nests too deeply', scripts=GENERATE),
    hostile_case('keras 2 config nested deep', hostile.keras2_config(hostile.NESTED),
                 'Keras model config', 'nests too deeply'),
    hostile_case('keras 2 without a GRU', hostile.keras2_config(hostile.NO_GRU), 'no GRU layer',
                 scripts=GENERATE),
]


@pytest.fixture(scope='module')
def good_models(tmp_path_factory):
    """A folder of ten small MNIST models, as this project writes them."""
    folder = tmp_path_factory.mktemp('good_models')
    for digit in range(10):
        saving.save(rigged_model(np.full(7, 1 / 7), class_name=str(digit), prior=0.1),
                        config.model_path(str(folder), digit))
    return folder


def hostile_folder(good_models, folder, change):
    models_dir = folder / 'models'
    shutil.copytree(good_models, models_dir)
    change(str(models_dir / 'model_0.h5'))
    return models_dir


def assert_refused_in_one_line(result, words):
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == last_line(result.stderr), result.stderr
    for word in ('model_0.h5',) + words:
        assert word in last_line(result.stderr), last_line(result.stderr)


def script_arguments(script, tmp_path, models_dir):
    if script == 'generate.py':
        return [f'--models_dir={models_dir}', f'--out={tmp_path / "grid.png"}']
    return ['--data=bundled', '--num_images=20', f'--models_dir={models_dir}']


@pytest.mark.parametrize('change, words, scripts',
                         [case for case in HOSTILE_MODELS if case.values[2]])
@pytest.mark.slow
def test_a_hostile_model_file_gets_one_line_and_exit_2(tmp_path, good_models, change, words,
                                                       scripts):
    models_dir = hostile_folder(good_models, tmp_path, change)
    for script in scripts:
        before = snapshot(tmp_path)
        result = run_in_process(script, *script_arguments(script, tmp_path, models_dir),
                                timeout=120)
        assert_refused_in_one_line(result, words)
        assert snapshot(tmp_path) == before, 'a refused run writes nothing'


@pytest.mark.slow
def test_describe_refuses_each_hostile_file_in_its_listing_and_exits_2(tmp_path, good_models):
    folders = []
    for index, (change, words, _) in enumerate(case.values for case in HOSTILE_MODELS):
        folders.append(hostile_folder(good_models, tmp_path / str(index), change))
    before = snapshot(tmp_path)
    result = run_in_process('describe.py', *map(str, folders), timeout=300)
    assert_refused_in_one_line(result, HOSTILE_MODELS[0].values[1])
    assert f'(and {len(HOSTILE_MODELS) - 1} more refused)' in result.stderr
    listing = unwrapped(result.stdout)
    listed = [line for line in listing.splitlines() if line.startswith('  model_0.h5')]
    assert len(listed) == len(HOSTILE_MODELS), result.stdout
    for line, case in zip(listed, HOSTILE_MODELS):
        for word in case.values[1]:
            assert word in line, (case.id, line)
    assert listing.count(': refused: ') == len(HOSTILE_MODELS), 'the good ones are listed'
    assert snapshot(tmp_path) == before, 'describing writes nothing'


def test_a_keras_backend_that_is_no_backend_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv('KERAS_BACKEND', '../../x\nforged line')
    result = run_in_process('generate.py', f'--out={tmp_path}/grid.png')
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        'generate.py: error: KERAS_BACKEND=../../x\\nforged line is not a Keras backend; use one '
        'of jax, numpy, openvino, tensorflow, torch, or leave it unset for tensorflow')


@pytest.mark.parametrize('number', [signal.SIGTERM, signal.SIGHUP], ids=['SIGTERM', 'SIGHUP'])
def test_a_picture_stopped_as_it_is_written_leaves_nothing_and_says_so_in_one_line(
        tmp_path, monkeypatch, number):
    fsync = os.fsync

    def stopped_midway(descriptor):
        signal.raise_signal(number)  # as kill or a closed terminal sends it
        fsync(descriptor)
    monkeypatch.setattr(files.os, 'fsync', stopped_midway)
    result = run_in_process('generate.py', '--grid_size=1', f'--out={tmp_path}/grid.png')
    assert result.returncode == 128 + number
    assert result.stderr.strip() == ('generate.py: stopped; every file in place is as before '
                                     'or complete'), result.stderr
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(number) is not startup.interrupt, 'the handler is put back'


def test_a_temporary_that_a_killed_run_left_is_cleared_by_the_next_write_there(tmp_path):
    # Killed outright (SIGKILL, a power cut) as it wrote grid.png: its
    # temporary bears its process number, of a process that is no more.
    dead = subprocess.Popen(['true'])
    dead.wait()
    left = tmp_path / f'grid.{dead.pid}@{socket.gethostname()}.tmp.png'
    left.write_bytes(b'half a picture')
    someone_elses = tmp_path / f'grid.1@{socket.gethostname()}.tmp.png'
    someone_elses.write_bytes(b'a live process (init, say) is writing this')
    result = run_in_process('generate.py', '--grid_size=1', f'--out={tmp_path}/grid.png')
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path)) == sorted(['grid.png', someone_elses.name])


@pytest.mark.parametrize('error, resumes, words', [
    (KeyboardInterrupt(), False, 'interrupted; every file in place is as before or complete'),
    (OSError(errno.ENOSPC, 'No space left on device', 'r.png'), False,
     'error: the disk is full (writing r.png); every file in place is as before or complete '
     '(free some space and run the same command again)'),
    (OSError(errno.ENOSPC, 'No space left on device', 'm.h5'), True,
     'run the same command again: training resumes where it stopped)'),
])
def test_what_a_stopped_command_says_is_of_what_it_does(monkeypatch, capsys, error, resumes,
                                                       words):
    def main():
        raise error
    monkeypatch.setattr(sys, 'argv', ['classification.py'])
    with pytest.raises(SystemExit):
        runner.run(main, resumes)
    said = capsys.readouterr().err
    assert words in said and len(said.strip().splitlines()) == 1, said
    assert ('training' in said) == resumes, said


def test_describe_shows_a_class_name_from_a_file_escaped(tmp_path):
    forged = rigged_model(np.full(7, 1 / 7), class_name='7\n  model_8.h5: mnist 8 \x1b[2J')
    saving.save(forged, str(tmp_path / 'model_7.h5'))
    result = run_in_process('describe.py', str(tmp_path))
    assert result.returncode == 0, result.stderr
    listing = unwrapped(result.stdout)
    assert len(listing.splitlines()) == 3, listing  # the folder, the file, its run
    assert 'mnist 7\\n  model_8.h5: mnist 8 \\x1b[2J: 10x10' in listing


@pytest.mark.slow
def test_a_model_that_cannot_be_replaced_is_refused_before_training(tmp_path):
    model = tmp_path / 'models' / 'model_0.h5'
    model.parent.mkdir()
    saving.save(rigged_model(np.full(7, 1 / 7), class_name='0', prior=0.1), str(model))
    if not shutil.which('chattr') or subprocess.run(['chattr', '+i', str(model)],
                                                    capture_output=True).returncode:
        pytest.skip('needs chattr +i: root, on a file system with immutable files')
    try:
        made = snapshot(tmp_path)
        result = run_in_process('train_mnist.py', '--digit=0', '--data=bundled',
                                '--num_images=20', '--epochs=1', f'--models_dir={model.parent}')
        assert_refused_in_one_line(result, ('cannot be replaced',))
        assert snapshot(tmp_path) == made, 'refused before training: nothing written'
    finally:
        subprocess.run(['chattr', '-i', str(model)])
