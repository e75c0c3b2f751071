"""README's commands as written: each parses with its script's flags, and
those that need no data from outside and finish in seconds run."""
import importlib
import os
import shlex

import pytest

from conftest import ROOT, run_in_process

# What README writes for what a user supplies, and such a value.
SUPPLIED = {'=DATA': '=mnist.npz', '$SLURM_ARRAY_TASK_ID': '0'}


def supplied(word):
    for placeholder, value in SUPPLIED.items():
        word = word.replace(placeholder, value)
    return word


def readme_commands():
    """Every `python SCRIPT ...` command of README's code blocks, its
    continuation lines joined and comments dropped, as a list of words."""
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read().replace('\\\n', ' ')
    commands = []
    for line in text.splitlines():
        if line.startswith('    python ') and line.split()[1].endswith('.py'):
            words = shlex.split(line.split(' # ')[0].split('   #')[0], posix=True)
            commands.append([supplied(word) for word in words[1:]])
    return commands


COMMANDS = readme_commands()


def test_readme_has_the_tutorials_commands():
    assert ['train_mnist.py', '--digit=0', '--num_images=100', '--epochs=100'] in COMMANDS
    assert ['generate.py', '--digit=0'] in COMMANDS
    assert ['classification.py', '--num_images=10000'] in COMMANDS
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize('words', COMMANDS, ids=[' '.join(words)[:60] for words in COMMANDS])
def test_each_readme_command_parses_with_its_scripts_flags(words):
    script = importlib.import_module(os.path.splitext(words[0])[0])
    assert script.parse_args(argv=words[1:]) is not None


@pytest.mark.parametrize('words', [words for words in COMMANDS if words[0] == 'describe.py'])
def test_readmes_describe_commands_run_as_written(words):
    result = run_in_process(*words)
    assert result.returncode == 0, result.stderr
    assert 'model_0.h5: mnist 0: 10x10, 7 levels' in result.stdout
