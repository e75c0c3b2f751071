"""Architectures as plug-ins: declarations without Keras, flags made from them, a third one."""
import pickle
import subprocess
import sys
import types

import numpy as np
import pytest

from conftest import ROOT, model_info
from pixel_rnn import cli
from pixel_rnn.datasets import mnist
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import Param
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
    cli.add_training_flags(parser, parser.add_argument_group('what'), mnist.MNIST)
    args = parser.parse_args(argv)
    args.models_dir = str(models_dir)
    return args


@pytest.mark.parametrize('arch, name, param', [
    (arch, name, param) for arch, architecture in ARCHITECTURES.items()
    for name, param in architecture.PARAMS.items() if param.help and param.low is not None])
def test_each_flag_takes_the_bounds_its_architecture_declares(tmp_path, capsys, arch, name,
                                                              param):
    for value in (param.low, param.high):
        template = cli.training_template(
            training_flags([f'--arch={arch}', f'--{name}={value}'], tmp_path), mnist.MNIST,
            ['0'])
        assert template.params[name] == value
    for value in (param.low - 1, param.high + 1):
        with pytest.raises(SystemExit) as stop:
            training_flags([f'--arch={arch}', f'--{name}={value}'], tmp_path)
        assert stop.value.code == 2
        assert f'{param.low}-{param.high}' in capsys.readouterr().err


def test_the_template_holds_the_defaults_of_the_flags_not_given(tmp_path):
    template = cli.training_template(training_flags(['--arch=pixelcnn', '--depth=2'], tmp_path),
                                     mnist.MNIST, ['0'])
    expected = {name: param.default for name, param in ARCHITECTURES['pixelcnn'].PARAMS.items()}
    assert template.params == {**expected, 'depth': 2}


@pytest.fixture
def third_architecture(monkeypatch):
    """A third architecture in the registry: a parameter of a name another has
    (filters, with bounds of its own), one of its own, and a rule of its own."""
    def problem(info):
        return 'slow needs 2 levels' if info.params['rate'] == 'slow' and info.levels != 2 \
            else None
    module = types.SimpleNamespace(
        SUMMARY='a third kind', problem=problem,
        PARAMS={'filters': Param(4, low=1, high=8, help='its width'),
                'rate': Param('fast', choices=('fast', 'slow'), help='its pace'),
                'tied': Param(False)})
    monkeypatch.setitem(ARCHITECTURES, 'third', module)


def test_a_third_architecture_gets_its_flags_defaults_and_checks(third_architecture, tmp_path):
    template = cli.training_template(
        training_flags(['--arch=third', '--rate=slow', '--max_intensity=1'], tmp_path),
        mnist.MNIST, ['0'])
    assert (template.arch, template.params) == ('third', {'filters': 4, 'rate': 'slow',
                                                          'tied': False})
    with pytest.raises(UsageError, match='cannot train that: slow needs 2 levels'):
        cli.training_template(training_flags(['--arch=third', '--rate=slow'], tmp_path),
                              mnist.MNIST, ['0'])
    # The shared flag parses as the first architecture's; the third's own bound still holds.
    with pytest.raises(UsageError, match='third filters 9 is not a whole number within 1-8'):
        cli.training_template(training_flags(['--arch=third', '--filters=9'], tmp_path),
                              mnist.MNIST, ['0'])


def test_a_flag_of_other_architectures_names_them_all(third_architecture, tmp_path):
    with pytest.raises(UsageError) as refused:
        cli.training_template(training_flags(['--filters=8', '--rate=slow'], tmp_path),
                              mnist.MNIST, ['0'])
    assert str(refused.value) == ('--filters applies to --arch=pixelcnn or --arch=third; '
                                  '--rate applies to --arch=third, not --arch=gru')
