"""Architectures as plug-ins: declarations without Keras, flags made from them, a third one."""
import argparse
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import train

from conftest import ROOT, last_line, model_info, run_in_process, unwrapped
from causal_cnn_architecture import CausalCNN
from pixel_rnn import cli
from pixel_rnn.training import flags
from pixel_rnn.datasets import mnist
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.model import ClassModel, checked
from pixel_rnn.architectures.params import Param
from pixel_rnn.description import CONSTRAINTS
from pixel_rnn.errors import UsageError
from pixel_rnn.training import Task


def test_descriptions_the_command_line_and_a_pickled_task_need_no_keras():
    # What a worker process unpickles before its output goes to its log.
    task = Task(np.zeros((2, 6, 6), np.uint8), model_info(arch='pixelcnn'), 'model_0.h5')
    code = ('import pickle, sys\n'
            'import pixel_rnn.description, pixel_rnn.cli\n'
            'task = pickle.loads(sys.stdin.buffer.read())\n'
            'assert task.info.problem() is None\n'
            "loaded = [name for name in sys.modules if name.split('.')[0] in "
            "('keras', 'tensorflow', 'jax', 'torch')]\n"
            'assert not loaded, loaded\n')
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT, input=pickle.dumps(task),
                            capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


def test_a_model_info_pickles_whole():
    info = model_info(arch='pixelcnn', depth=2, prior=0.5, epochs=3)
    assert pickle.loads(pickle.dumps(info)) == info


def training_flags(argv, models_dir):
    parser = cli.ArgumentParser()
    flags.add_training_flags(parser, parser.add_argument_group('what'), mnist.MNIST)
    args = parser.parse_args(argv)
    args.models_dir = str(models_dir)
    return args


@pytest.mark.parametrize('arch, name, param', [
    (arch, name, param) for arch, architecture in ARCHITECTURES.items()
    for name, param in architecture.PARAMS.items() if param.help and param.low is not None])
def test_each_flag_takes_the_bounds_its_architecture_declares(tmp_path, capsys, arch, name,
                                                              param):
    for value in (param.low, param.high):
        template = flags.training_template(
            training_flags([f'--arch={arch}', f'--{name}={value}'], tmp_path), mnist.MNIST,
            ['0'])
        assert template.params[name] == value
    for value in (param.low - 1, param.high + 1):
        with pytest.raises(SystemExit) as stop:
            training_flags([f'--arch={arch}', f'--{name}={value}'], tmp_path)
        assert stop.value.code == 2
        assert f'{param.low}-{param.high}' in capsys.readouterr().err


def test_the_template_holds_the_defaults_of_the_flags_not_given(tmp_path):
    template = flags.training_template(
        training_flags(['--arch=pixelcnn', '--depth=2'], tmp_path), mnist.MNIST, ['0'])
    expected = {name: param.default for name, param in ARCHITECTURES['pixelcnn'].PARAMS.items()}
    assert template.params == {**expected, 'depth': 2}


@pytest.fixture
def third_architecture(monkeypatch):
    """A third architecture in the registry: a parameter of a name another has
    (filters, with bounds of its own), one of its own, and a rule of its own."""
    class Third(CausalCNN):
        SUMMARY = 'a third kind'
        PARAMS = {'filters': Param(4, low=1, high=8, help='its width'),
                  'rate': Param('fast', choices=('fast', 'slow'), help='its pace'),
                  'tied': Param(False)}

        @classmethod
        def problem(cls, info):
            return 'slow needs 2 levels' if info.params['rate'] == 'slow' and info.levels != 2 \
                else None
    monkeypatch.setitem(ARCHITECTURES, 'third', checked({'third': Third})['third'])


def test_a_third_architecture_gets_its_flags_defaults_and_checks(third_architecture, tmp_path):
    template = flags.training_template(
        training_flags(['--arch=third', '--rate=slow', '--max_intensity=1'], tmp_path),
        mnist.MNIST, ['0'])
    assert (template.arch, template.params) == ('third', {'filters': 4, 'rate': 'slow',
                                                          'tied': False})
    with pytest.raises(UsageError, match='cannot train that: slow needs 2 levels'):
        flags.training_template(training_flags(['--arch=third', '--rate=slow'], tmp_path),
                                mnist.MNIST, ['0'])
    # The shared flag parses as the first architecture's; the third's own bound still holds.
    with pytest.raises(UsageError, match='third filters 9 is not a whole number within 1-8'):
        flags.training_template(training_flags(['--arch=third', '--filters=9'], tmp_path),
                                mnist.MNIST, ['0'])


def test_a_flag_of_other_architectures_names_them_all(third_architecture, tmp_path):
    with pytest.raises(UsageError) as refused:
        flags.training_template(training_flags(['--filters=8', '--rate=slow'], tmp_path),
                                mnist.MNIST, ['0'])
    assert str(refused.value) == ('--filters applies to --arch=pixelcnn or --arch=third; '
                                  '--rate applies to --arch=third, not --arch=gru')


def test_the_registry_refuses_an_architecture_that_does_not_answer_every_call():
    class Partial(ClassModel):
        SUMMARY, PARAMS = 'half done', {}

        def build(self):
            return None
    with pytest.raises(TypeError, match='partial does not answer weight_shapes'):
        checked({'partial': Partial})
    with pytest.raises(TypeError, match='not a ClassModel'):
        checked({'module': mnist})
    with pytest.raises(TypeError, match='the default of dropout is not'):
        checked({'bad': type('Bad', (CausalCNN,), {
            'PARAMS': {'dropout': Param(0.9, low=0.0, high=0.5)}})})


@pytest.fixture
def causal_cnn(monkeypatch):
    """tests/causal_cnn_architecture.py, and its line in the registry."""
    monkeypatch.setitem(ARCHITECTURES, 'causal_cnn',
                        checked({'causal_cnn': CausalCNN})['causal_cnn'])


def test_a_new_architecture_is_one_short_file():
    with open(os.path.join(ROOT, 'tests', 'causal_cnn_architecture.py')) as f:
        assert len(f.readlines()) <= 60


@pytest.mark.slow
def test_a_new_architecture_file_trains_describes_samples_classifies_and_fine_tunes(
        causal_cnn, tmp_path):
    models = tmp_path / 'models'
    common = ['--data=bundled', f'--models_dir={models}', '--jobs=1', '--seed=0']
    result = run_in_process('train_mnist.py', '--all_digits', '--arch=causal_cnn',
                            '--dropout=0.05', '--num_images=60', '--epochs=5', '--batch_size=8',
                            *common)
    assert result.returncode == 0, result.stderr
    described = unwrapped(run_in_process('describe.py', str(models)).stdout)
    assert described.count('gru') == 0
    assert described.count('10x10, 7 levels, grey, causal_cnn (width 16, dropout 0.05); '
                                  '5 epochs on 60 images of bundled') == 10, described
    result = run_in_process('generate.py', '--digit=1', '--grid_size=2',
                            f'--models_dir={models}', f'--out={tmp_path}/grid.png', '--seed=1')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'grid.png').stat().st_size > 0
    result = run_in_process('generate.py', '--digit=1', '--grid_size=2', '--complete',
                            '--num_images=2', '--data=bundled', f'--models_dir={models}',
                            f'--out={tmp_path}/completions.png', '--seed=1')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'completions.png').stat().st_size > 0
    result = run_in_process('classification.py', '--num_images=300', '--data=bundled',
                            f'--models_dir={models}')
    assert result.returncode == 0, result.stderr
    accuracy_line, = [line for line in result.stdout.splitlines()
                      if line.startswith('Classification accuracy')]
    accuracy = float(accuracy_line.split(': ')[-1])
    # Far above chance (0.1), for a network that sees a few pixels around each.
    assert accuracy > 0.3, result.stdout
    refused = run_in_process('train_mnist.py', '--all_digits', '--discriminative',
                             '--dropout=0.2', *common)
    assert refused.returncode == 2 and 'leave out --dropout' in last_line(refused.stderr)
    result = run_in_process('train_mnist.py', '--all_digits', '--discriminative',
                            '--num_images=20', '--epochs=1', *common[:2])
    assert result.returncode == 0, result.stderr
    described = unwrapped(run_in_process('describe.py', str(models)).stdout)
    assert described.count("fine-tuned with the other classes' models for 1 epoch") == 10


def test_a_new_architectures_float_flag_takes_its_declared_bounds(causal_cnn, tmp_path):
    refused = run_in_process('train_mnist.py', '--arch=causal_cnn', '--dropout=0.6',
                             f'--models_dir={tmp_path}')
    assert refused.returncode == 2
    assert "--dropout: '0.6' is not a valid value; use 0-0.5" in last_line(refused.stderr)
    refused = run_in_process('train_mnist.py', '--dropout=0.1', f'--models_dir={tmp_path}')
    assert refused.returncode == 2
    assert '--dropout applies to --arch=causal_cnn, not --arch=gru' in last_line(
        refused.stderr)


def a_value_besides_the_default(param):
    """A flag's text for a value param allows that is not its default."""
    if param.kind is bool:
        return None  # given bare
    if param.choices is not None:
        return str(next(choice for choice in param.choices if choice != param.default))
    if param.kind is float:
        return f'{(param.low + param.high) / 2:g}'
    return str(param.low + 1 if param.default != param.low + 1 else param.low)


def every_training_flag():
    """Each flag made from what a model records, with a value it takes,
    but those fine-tuning takes too (the run's images, epochs, batch and seed)."""
    recorded = {**{flag: CONSTRAINTS[field] for flag, field in flags.MODEL_FLAGS.items()
                   if flag != 'mirror'},  # MNIST's images have no mirror images
                **{name: next(iter(params.values()))
                   for name, params in flags.architecture_flags().items()}}
    return ([f'--{name}' if value is None else f'--{name}={value}'
             for name, param in recorded.items()
             for value in [a_value_besides_the_default(param)]
             if name not in train.FINE_TUNING_FLAGS]
            + ['--arch=pixelcnn', '--jobs=2', '--logdir=logs'])


@pytest.mark.parametrize('flag', every_training_flag())
def test_discriminative_refuses_every_flag_but_those_it_takes(flag, capsys):
    name = flag[2:].split('=')[0]
    assert name not in train.FINE_TUNING_FLAGS
    with pytest.raises(SystemExit) as stop:
        train.parse_args(mnist.MNIST, argv=['--all_digits', '--discriminative', flag,
                                            '--models_dir=somewhere'])
    assert stop.value.code == 2
    assert f'leave out --{name}' in capsys.readouterr().err


@pytest.mark.parametrize('text', ['1e999', '-1e999', 'nan', 'inf', '0.5.1', '-0.1'])
def test_a_float_flag_takes_finite_numbers_within_its_bounds_only(text):
    parse = cli.float_in_range(0, None, 'weight')
    assert parse('1e3') == 1000.0
    with pytest.raises(argparse.ArgumentTypeError, match='use 0 or more'):
        parse(text)
