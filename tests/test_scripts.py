"""The scripts as a user runs them: bad input, then one small run end to end."""
import glob
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from pixel_rnn.modelfile import places
from pixel_rnn import errors
import config
from pixel_rnn.datasets import cifar
from pixel_rnn.datasets import mnist
from pixel_rnn.modelfile import saving
from pixel_rnn.modelfile import loading
from conftest import (ROOT, last_line, rigged_model, run_in_process, run_script, shipped,
                      unwrapped)
from pixel_rnn.classifier import BayesClassifier


def assert_refused(result, *words):
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    message = last_line(result.stderr)
    for word in words:
        assert word in message, message


@pytest.mark.parametrize('args, words', [
    (['train_mnist.py', '--digit=12'], ['--digit', "'12'", '0-9']),
    (['train_mnist.py', '--num_images=-5'], ['--num_images', "'-5'"]),
    (['train_mnist.py', '--epochs=0'], ['--epochs', "'0'"]),
    (['train_mnist.py', '--batch_size=zero'], ['--batch_size', "'zero'"]),
    (['train_mnist.py', '--all_digits=maybe'], ['--all_digits', "'maybe'"]),
    (['generate.py', '--digit=-1'], ['--digit', "'-1'"]),
    (['generate.py', '--grid_size=0'], ['--grid_size', "'0'"]),
    (['generate.py', '--temperature=0'], ['--temperature', "'0'"]),
    (['classification.py', '--num_images=0'], ['--num_images', "'0'"]),
])
@pytest.mark.slow
def test_bad_flags_get_one_line_and_exit_2(args, words):
    result = run_in_process(*args)
    assert_refused(result, *words)
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_models_folder_names_the_files_and_the_command(tmp_path):
    result = run_in_process('classification.py', f'--models_dir={tmp_path}/none')
    assert_refused(result, 'model_0.h5', 'model_9.h5', 'python train_mnist.py --all_digits')


def save_rigged(models_dir, class_name, levels=7, **fields):
    model = rigged_model(np.full(levels, 1 / levels), class_name=str(class_name), **fields)
    saving.save(model, config.model_path(str(models_dir), class_name))


def test_partial_models_folder_names_only_the_missing_files(tmp_path):
    for digit in range(9):
        save_rigged(tmp_path, digit)
    result = run_in_process('classification.py', f'--models_dir={tmp_path}', '--data=bundled')
    # The command to run keeps the flags given: offline, --data is what makes it work.
    assert_refused(result, 'model_9.h5',
                   f'train_mnist.py --digit=9 --models_dir={tmp_path} --data=bundled')
    assert 'model_8.h5' not in last_line(result.stderr)


@pytest.mark.parametrize('odd_one, words', [
    (dict(levels=5), ['model_0.h5', 'model_7.h5', 'disagree', '7 levels', '5 levels']),
    (dict(image_size=28), ['model_0.h5', 'model_7.h5', 'disagree', '10x10', '28x28']),
    (dict(deskew=True), ['model_0.h5', 'model_7.h5', 'disagree', '7 levels, deskewed']),
    (dict(colours=3, class_name='7'), ['model_7.h5', 'cifar', 'not mnist']),
    (dict(class_name='3'), ['model_7.h5', "class '3'", "not '7'"]),
])
@pytest.mark.slow
def test_models_that_disagree_with_each_other_or_the_data_are_refused(tmp_path, odd_one, words):
    for digit in range(10):
        if digit != 7:
            save_rigged(tmp_path, digit)
    fields = {'class_name': '7', **odd_one}
    model = rigged_model(np.full(fields.pop('levels', 7), 0.1), **fields)
    saving.save(model, config.model_path(str(tmp_path), 7))
    result = run_in_process('classification.py', f'--models_dir={tmp_path}', '--data=bundled')
    assert_refused(result, *words)


def test_cifar_models_are_not_used_as_mnist_ones(tmp_path):
    saving.save(rigged_model(np.full(7, 1 / 7), colours=3, class_name='cat'),
                    config.model_path(str(tmp_path), 0))
    assert_refused(run_in_process('generate.py', '--digit=0', f'--models_dir={tmp_path}'),
                   'model_0.h5', 'cifar cat', 'not mnist')


def test_levels_and_size_come_from_the_model_file(tmp_path):
    save_rigged(tmp_path, 4, levels=5, image_size=6)
    out = tmp_path / 'grid.png'
    result = run_in_process('generate.py', '--digit=4', f'--models_dir={tmp_path}', f'--out={out}',
                            '--grid_size=2', '--output_size=6')
    assert result.returncode == 0, result.stderr
    with Image.open(out) as grid:
        assert grid.size == (13, 13)  # two cells of 6 and a line between


def test_corrupt_model_file_is_refused(tmp_path):
    (tmp_path / 'model_2.h5').write_bytes(b'\x89HDF\r\n' + b'\0' * 100)
    result = run_in_process('generate.py', '--digit=2', f'--models_dir={tmp_path}')
    assert_refused(result, 'model_2.h5', 'not a readable model file')


def test_bad_data_paths_are_refused(tmp_path):
    assert_refused(run_in_process('train_mnist.py', f'--data={tmp_path}/nope.npz'),
                   'nope.npz', 'no such file')
    other = tmp_path / 'digits.csv'
    other.write_text('0,1')
    assert_refused(run_in_process('train_mnist.py', f'--data={other}'),
                   'digits.csv', 'unknown file format')


@pytest.mark.parametrize('flags, expected', [
    ([], False), (['--all_digits'], True), (['--all_digits=True'], True),
    (['--all_digits=False'], False), (['--all_digits=false'], False),
])
def test_all_digits_flag_reads_like_the_tutorial(monkeypatch, flags, expected):
    import train_mnist
    monkeypatch.setattr(sys, 'argv', ['train_mnist.py', *flags])
    assert train_mnist.parse_args().all_classes is expected


@pytest.mark.slow
@pytest.mark.parametrize('flags', [[], ['--deskew']])  # the tutorial's set, the best set's
def test_train_generate_classify_on_bundled_images(tmp_path, flags):
    models_dir = str(tmp_path / 'models')
    for digit in (0, 1):
        result = run_in_process('train_mnist.py', f'--digit={digit}', '--num_images=300',
                                '--epochs=3', '--units=64', '--data=bundled',
                                f'--models_dir={models_dir}', '--seed=0', *flags)
        assert result.returncode == 0, result.stderr
        assert f'Saved {config.model_path(models_dir, digit)}' in result.stdout

    grid_path = str(tmp_path / 'grid.png')
    result = run_in_process('generate.py', '--digit=1', f'--models_dir={models_dir}',
                            f'--out={grid_path}', '--grid_size=3', '--output_size=20')
    assert result.returncode == 0, result.stderr
    assert grid_path in result.stdout
    with Image.open(grid_path) as grid:
        assert grid.size == (62, 62) and grid.mode == 'L'

    # Images 300-499 of each digit were not among the 300 trained on.
    bundled = mnist.load('bundled')
    held_out = np.concatenate([np.flatnonzero(bundled.y_test == d)[300:] for d in (0, 1)])
    models = [loading.load(config.model_path(models_dir, d)) for d in (0, 1)]
    assert [model.info.deskew for model in models] == ['--deskew' in flags] * 2
    predictions = BayesClassifier(models).predict(bundled.x_test[held_out])
    accuracy = np.mean(predictions == bundled.y_test[held_out])
    # Chance is 0.5; two models this small reach about 0.97.
    assert accuracy > 0.75, f'accuracy {accuracy:.3f} on held-out zeros and ones'


@pytest.mark.parametrize('args, words', [
    (['train_cifar.py', '--label=unicorn'], ['--label', "'unicorn'", 'cat']),
    (['train_cifar.py', '--label=10'], ['--label', "'10'", '0-9']),
    (['generate.py', '--dataset=cifar', '--label=unicorn'], ['--label', "'unicorn'", 'truck']),
    (['generate.py', '--dataset=svhn'], ['--dataset', "'svhn'"]),
])
@pytest.mark.slow
def test_bad_cifar_flags_get_one_line_and_exit_2(args, words):
    result = run_in_process(*args)
    assert_refused(result, *words)
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_cifar_without_models_or_data_says_what_to_do(tmp_path):
    assert_refused(run_in_process('classification.py', '--dataset=cifar',
                                  f'--models_dir={tmp_path}'),
                   'model_airplane.h5', 'model_truck.h5', 'python train_cifar.py --all_labels')
    assert_refused(run_in_process('generate.py', '--dataset=cifar', '--label=3',
                                  f'--models_dir={tmp_path}'),
                   'model_cat.h5', 'python train_cifar.py --label=cat')
    assert_refused(run_in_process('train_cifar.py', f'--data={tmp_path}/cifar.tar.gz'),
                   'cifar.tar.gz', 'no such file')


@pytest.mark.slow
def test_train_draw_and_classify_with_colour_models(tmp_path):
    rng = np.random.default_rng(0)
    npz = str(tmp_path / 'cifar.npz')
    # Noise, but the test airplanes are black.
    x_test, y_test = rng.integers(0, 256, (20, 32, 32, 3), np.uint8), np.arange(20) % 10
    x_test[y_test == 0] = 0
    np.savez(npz, x_train=rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8),
             y_train=np.arange(40) % 10, x_test=x_test, y_test=y_test)
    models_dir = str(tmp_path / 'models')
    # 4x4 images: 48 sub-pixels for each model's pass, not 300.
    result = run_in_process('train_cifar.py', '--label=cat', '--epochs=1', '--target_size=4',
                            f'--data={npz}', f'--models_dir={models_dir}')
    assert result.returncode == 0, result.stderr
    assert f'Saved {models_dir}/model_cat.h5' in result.stdout
    # The other classes' models, made without training, give all their mass to
    # one level: the airplane's to black, which it wins; the cat's model wins
    # the noise, which the others' level 6 is almost never.
    for name in cifar.CLASSES:
        if name != 'cat':
            level = 0 if name == 'airplane' else 6
            saving.save(rigged_model(np.eye(7)[level], colours=3, class_name=name, image_size=4),
                        config.model_path(models_dir, name))
    out = str(tmp_path / 'cats.png')
    result = run_in_process('generate.py', '--dataset=cifar', '--label=cat', '--grid_size=2',
                            f'--models_dir={models_dir}', f'--out={out}')
    assert result.returncode == 0, result.stderr
    with Image.open(out) as grid:
        assert grid.size == (65, 65) and grid.mode == 'RGB'
    result = run_in_process('classification.py', '--dataset=cifar', f'--data={npz}',
                            f'--models_dir={models_dir}', '--report', '--moves=2',
                            f'--report_dir={tmp_path}/report')
    assert result.returncode == 0, result.stderr
    accuracy_line, = [line for line in result.stdout.splitlines()
                      if line.startswith('Classification accuracy')]
    assert 'each image and 2 moves of it' in accuracy_line
    chosen = np.where(y_test == 0, 0, cifar.CLASSES.index('cat'))
    accuracy = float(accuracy_line.split(': ')[-1])
    assert accuracy == pytest.approx(np.mean(chosen == y_test), abs=1e-4), accuracy_line
    assert 'bits/dim' in result.stdout and 'Confusion matrix' in result.stdout, result.stdout
    for name in ('confusion_matrix', 'misclassified'):
        with Image.open(tmp_path / 'report' / f'models_{name}.png') as picture:
            assert picture.format == 'PNG' and picture.mode == 'RGB'


def test_describe_says_what_a_models_folder_holds(tmp_path):
    save_rigged(tmp_path, 3, prior=0.25, epochs=7, num_images=123, data_source='mnist.npz',
                skip=500, batch_size=16, seed=5)
    (tmp_path / 'model_4.h5').write_bytes(b'not a model')
    one = tmp_path / 'one'
    save_rigged(one, 0, epochs=1, num_images=1, data_source='bundled', loss=0.25)
    result = run_in_process('describe.py', str(tmp_path), str(one))
    # At most 79 columns, but for a word with no space to break at (a long path).
    assert all(len(line) <= 79 or ' ' not in line.strip() for line in result.stdout.splitlines()), \
        result.stdout
    lines = unwrapped(result.stdout).splitlines()
    assert lines[0] == f'{tmp_path}: 2 model files'
    assert lines[1].startswith('  model_3.h5: mnist 3: 10x10, 7 levels, grey, gru (units 4')
    assert ('7 epochs on 123 images of mnist.npz after the first 500 of the class' in lines[1]
            and 'prior 0.2500' in lines[1])
    assert lines[2].startswith('    batch 16, seed 5, written by Keras 3.'), lines[2]
    assert lines[2].endswith(', no training loss recorded'), lines[2]
    assert lines[3].startswith(f'  model_4.h5: refused: {tmp_path}/model_4.h5 is not a readable')
    assert lines[4] == f'{one}: 1 model file'
    assert '; 1 epoch on 1 image of bundled, loss 0.2500' in lines[5]
    assert 'no training loss' not in lines[6]
    assert_refused(result, 'model_4.h5', 'not a readable model file')
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / 'model_4.h5').unlink()
    assert run_in_process('describe.py', str(tmp_path)).returncode == 0
    assert_refused(run_in_process('describe.py', str(tmp_path / 'nowhere')), 'nowhere', 'no such')


SHIPPED_SETS = ('cifar_mmi_models', 'cifar_models', 'fashion_models', 'mnist_models',
                'mnist_pixelcnn_mmi_models', 'mnist_pixelcnn_models')


@pytest.mark.slow
def test_describe_lists_every_folder_of_trained_and_all_each_record_holds():
    result = run_in_process('describe.py')
    assert result.returncode == 0, result.stderr
    folders = [line for line in unwrapped(result.stdout).splitlines() if not line.startswith(' ')]
    # The shipped sets, and any folder a user has trained into there.
    assert [line.split(': ')[0] for line in folders] == sorted(
        path.rstrip('/') for path in glob.glob(f'{config.trained_dir}/*/'))
    for name in SHIPPED_SETS:
        assert f'{config.trained_dir}/{name}: 10 model files' in folders
    # What the shipped files record, as shipped (a user may have trained over one).
    result = run_in_process('describe.py', *(shipped(name) for name in SHIPPED_SETS))
    assert result.returncode == 0, result.stderr
    listing = unwrapped(result.stdout)
    gru_0 = listing.split('mnist_models: 10 model files')[1].splitlines()[1:3]
    assert '12 epochs on 5423 images of mnist.npz after the first 500 of the class' in gru_0[0]
    assert gru_0[1].strip() == ('batch 32, seed 0, written by Keras 3.15.1, no training loss '
                                'recorded')
    fine_tuned = listing.split('mnist_pixelcnn_mmi_models: 10 model files')[1]
    assert fine_tuned.count("fine-tuned with the other classes' models for 4 epochs, density "
                            'weight 1;') == 10
    fine_tuned_cifar = listing.split('cifar_mmi_models: 10 model files')[1].split(
        'cifar_models: 10 model files')[0]
    assert fine_tuned_cifar.count("30 epochs on 5000 images of cifar10, loss") == 10
    assert fine_tuned_cifar.count("fine-tuned with the other classes' models for 2 epochs, "
                                  'density weight 1;') == 10


def test_a_new_architecture_trains_into_a_folder_of_its_own(monkeypatch):
    import train_cifar
    import train_mnist
    for script, arch, folder in [(train_mnist, 'gru', 'mnist_models'),
                                 (train_mnist, 'pixelcnn', 'mnist_pixelcnn_models'),
                                 (train_cifar, 'gru', 'cifar_models'),
                                 (train_cifar, 'pixelcnn', 'cifar_pixelcnn_models')]:
        monkeypatch.setattr(sys, 'argv', ['train.py', f'--arch={arch}'])
        assert script.parse_args().models_dir == os.path.join(config.trained_dir, folder)
    monkeypatch.setattr(sys, 'argv', ['train.py', '--arch=pixelcnn', '--models_dir=mine'])
    assert train_mnist.parse_args().models_dir == 'mine'


def test_a_relative_models_dir_is_the_current_folders_else_the_projects(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = os.path.join('trained', 'mnist_pixelcnn_models')
    assert places.models_dir(shipped, None) == os.path.join(config.project_dir, shipped)
    assert places.models_dir('scratch/models', None) == 'scratch/models'  # nowhere yet: here
    assert places.models_dir('pixel_rnn', None) == 'pixel_rnn'  # the package is no models folder
    (tmp_path / shipped).mkdir(parents=True)
    assert places.models_dir(shipped, None) == shipped
    assert places.models_dir(None, 'default') == 'default'


def test_a_missing_shipped_set_is_restored_not_retrained(tmp_path):
    with pytest.raises(errors.UsageError) as refused:
        places.require_models(mnist.MNIST.default_models_dir(), ['0', 'eleven'], mnist.MNIST)
    message = str(refused.value)
    assert 'model_eleven.h5' in message and 'model_0.h5' not in message
    assert 'git checkout -- trained/mnist_models' in message and 'train_mnist' not in message


@pytest.mark.slow
def test_readmes_pixelcnn_commands_work_from_another_folder(tmp_path):
    result = run_in_process(os.path.join(ROOT, 'generate.py'), '--digit=5', '--grid_size=1',
                            '--models_dir=trained/mnist_pixelcnn_models', '--out=five.png',
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert os.listdir(tmp_path) == ['five.png']


@pytest.mark.slow
def test_a_keras_backend_that_is_not_installed_is_one_line(tmp_path):
    import importlib.util
    if importlib.util.find_spec('jax'):
        pytest.skip('JAX is installed here: nothing is missing')
    result = subprocess.run([sys.executable, 'generate.py', f'--out={tmp_path}/grid.png'],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, 'KERAS_BACKEND': 'jax'})
    assert_refused(result, 'KERAS_BACKEND=jax', 'pip install jax')
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_data_set_flag_says_what_it_takes():
    for script in ('classification.py', 'generate.py'):
        result = run_script(script, '--help')
        assert 'mnist: grey handwritten digits; cifar: CIFAR-10 colour' in result.stdout


def test_pytest_says_why_a_test_is_skipped(tmp_path):
    test = tmp_path / 'test_skipping.py'
    test.write_text('import pytest\n\ndef test_it():\n    pytest.skip("a reason to say")\n')
    result = subprocess.run([sys.executable, '-m', 'pytest', '-c', os.path.join(ROOT, 'pytest.ini'),
                             '--rootdir', str(tmp_path), '-p', 'no:xdist', str(test)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert 'SKIPPED' in result.stdout and 'a reason to say' in result.stdout, result.stdout


def test_accuracy_near_chance_says_what_may_be_wrong(tmp_path):
    # Pictures of another kind than the models' (clothes for digits, say).
    rng = np.random.default_rng(0)
    images = np.zeros((40, 28, 28), np.uint8)
    images[:, ::4] = 255
    labels = rng.permutation(np.arange(40) % 10)
    np.savez(tmp_path / 'other.npz', x_train=images, y_train=labels, x_test=images,
             y_test=labels)
    # Models that cannot tell one picture from another: class 0 for every image.
    for digit in range(10):
        save_rigged(tmp_path / 'models', digit)
    result = run_in_process('classification.py', f'--data={tmp_path / "other.npz"}',
                            f'--models_dir={tmp_path / "models"}')
    assert result.returncode == 0, result.stderr
    assert 'accuracy on a test set: 0.1000' in result.stdout, result.stdout
    assert ('Note: that is near chance (0.10): are the test images of --data MNIST (or give '
            '--dataset), and the models of ') in result.stdout


def test_grids_of_two_sets_get_default_names_of_their_own(monkeypatch, tmp_path):
    import generate
    monkeypatch.setattr(config, 'generated_dir', str(tmp_path))
    names = set()
    for models_dir in (None, 'trained/mnist_pixelcnn_models', f'{tmp_path}/mine/'):
        args = generate.parse_args(['--digit=5'] + ([f'--models_dir={models_dir}'] if models_dir
                                                   else []))
        resolved = places.models_dir(args.models_dir, args.settings.default_models_dir())
        names.add(os.path.basename(generate.default_picture(args, resolved)))
    assert names == {'samples_of_5.png', 'mnist_pixelcnn_models_samples_of_5.png',
                     'mine_samples_of_5.png'}
    monkeypatch.chdir(tmp_path)  # --models_dir=.: named for the folder, not '.'
    assert os.path.basename(generate.default_picture(args, '.')) == \
        f'{tmp_path.name}_samples_of_5.png'
    import classification
    assert os.path.basename(classification.report_paths('report', '.')['misclassified']) == \
        f'{tmp_path.name}_misclassified.png'


KERAS_CHECK = """
import json, runpy, sys
for args in json.loads(sys.argv[1]):
    sys.argv, status = args, 0
    try:
        runpy.run_path(args[0], run_name='__main__')
    except SystemExit as exit:
        status = exit.code
    print(status, 'keras imported' if 'keras' in sys.modules else 'no keras', file=sys.stderr)
"""
# Each describes or refuses, in one process, one after the other: Keras, once
# imported by one, would show in all that follow.
WITHOUT_KERAS = [
    ['describe.py'],
    ['describe.py', 'README.md'],
    ['classification.py', '--models_dir=DAMAGED'],
    ['generate.py', '--digit=3', '--models_dir=DAMAGED'],
    ['train_mnist.py', '--all_digits', '--discriminative', '--models_dir=DAMAGED'],
    ['classification.py', '--data=/nonexistent'],
    ['generate.py', '--complete', 'README.md'],
    ['train_mnist.py', '--epochs=0'],
]


def test_descriptions_and_refusals_finish_before_keras_starts(tmp_path):
    damaged = tmp_path / 'set'
    shutil.copytree(os.path.join(ROOT, 'trained', 'mnist_models'), damaged)
    with open(damaged / 'model_3.h5', 'r+b') as f:
        f.truncate(1000)
    runs = [[arg.replace('DAMAGED', str(damaged)) for arg in args] for args in WITHOUT_KERAS]
    result = subprocess.run([sys.executable, '-c', KERAS_CHECK, json.dumps(runs)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    said = [line for line in result.stderr.splitlines() if line.endswith('keras')
            or line.endswith('keras imported')]
    assert said == ['0 no keras'] + ['2 no keras'] * (len(runs) - 1), result.stderr


@pytest.mark.slow
@pytest.mark.parametrize('script, closed', [('generate.py', 1), ('generate.py', 2),
                                            ('describe.py', 1)])
def test_a_closed_output_loses_only_its_messages(tmp_path, script, closed):
    # As `>&-` or `2>&-` start it: the work is done and the run ends well.
    args = ['--grid_size=1', f'--out={tmp_path}/grid.png'] if script == 'generate.py' else []
    result = subprocess.run([sys.executable, script, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, preexec_fn=lambda: os.close(closed))
    assert result.returncode == 0, result.stderr
    if script == 'generate.py':
        assert os.path.isfile(tmp_path / 'grid.png')
    if closed == 1:
        assert result.stderr == f'{script}: warning: standard output is closed; its messages ' \
                                'are lost\n'
    else:
        assert result.stdout.startswith('Saved ')


@pytest.mark.slow
def test_show_without_a_screen_says_so_and_still_writes_the_picture(tmp_path, monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    result = run_in_process('generate.py', '--grid_size=1', '--show', f'--out={tmp_path}/a.png')
    assert result.returncode == 0, result.stderr
    assert os.path.isfile(tmp_path / 'a.png')
    assert result.stderr == f'warning: --show: no screen here (DISPLAY is not set); the ' \
                            f'picture is in {tmp_path}/a.png\n'


def test_the_printed_confusion_matrix_names_its_rows_and_columns():
    import classification
    matrix = np.arange(9).reshape(3, 3) * 111
    lines = classification.confusion_table(matrix, ('t-shirt', 'trouser', 'bag')).splitlines()
    assert 'rows: true class' in lines[0] and 'columns: chosen class' in lines[0]
    assert lines[1].split() == ['0', '1', '2']
    for number, (name, line, row) in enumerate(zip(('t-shirt', 'trouser', 'bag'), lines[2:],
                                                   matrix)):
        assert line.split() == [str(number), name] + [str(count) for count in row]
    digits = classification.confusion_table(matrix, ('0', '1', '2')).splitlines()
    assert [line.split()[0] for line in digits[2:]] == ['0', '1', '2'], 'a digit is its name'


@pytest.mark.parametrize('argv, refusal', [
    (['--given_rows=3'], '--given_rows applies to --complete'),
    (['--num_images=2', '--data=x'], '--num_images, --data applies to --complete'),
    (['--complete', 'a.png', '--data=x'], '--data chooses test images; with picture files'),
])
def test_generate_refuses_completion_flags_where_they_do_nothing(argv, refusal, capsys):
    import generate
    with pytest.raises(SystemExit) as stopped:
        generate.parse_args(argv)
    assert stopped.value.code == 2 and refusal in capsys.readouterr().err


def test_generate_takes_test_images_flags_with_a_bare_complete():
    import generate
    args = generate.parse_args(['--complete', '--num_images=2', '--data=x', '--given_rows=3'])
    assert (args.complete, args.num_images, args.data) == ([], 2, 'x')
