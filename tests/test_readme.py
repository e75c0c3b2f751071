"""README's and docs/'s commands as written: each parses with its script's
flags, and those that need no data from outside and finish in seconds run;
every figure has its command beside it, and every link leads somewhere."""
import glob
import importlib
import os
import re
import shlex

import pytest

from conftest import ROOT, run_in_process

# What README writes for what a user supplies, and such a value.
SUPPLIED = {'=DATA': '=mnist.npz', '$SLURM_ARRAY_TASK_ID': '0'}


def supplied(word):
    for placeholder, value in SUPPLIED.items():
        word = word.replace(placeholder, value)
    return word


PAGES = [os.path.join(ROOT, 'README.md'), *sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))]


def read(path):
    with open(path) as f:
        return f.read()


def readme_commands():
    """Every `python SCRIPT ...` command of the code blocks of README and
    docs/, its continuation lines joined and comments dropped, as a list of words."""
    text = '\n'.join(read(path) for path in PAGES).replace('\\\n', ' ')
    commands = []
    for line in text.splitlines():
        if line.startswith('    python ') and re.fullmatch(r'\w+\.py', line.split()[1]):
            words = shlex.split(line.split(' # ')[0].split('   #')[0], posix=True)
            commands.append([supplied(word) for word in words[1:]])
    for command in re.findall(r'`python (\w+\.py[^`]*)`', text):
        commands.append([supplied(word) for word in shlex.split(command)])
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


def test_readme_is_a_front_page():
    assert len(read(PAGES[0]).splitlines()) <= 300
    assert len(PAGES) >= 6, 'docs/ holds the rest'


def sections(path):
    """(path, heading, text) of each part of a page between its headings."""
    parts = re.split(r'^(#+ .*)$', read(path), flags=re.M)
    return [(path, heading, text) for heading, text in zip(['(top)', *parts[1::2]], parts[0::2])]


FIGURED = [part for path in PAGES for part in sections(path)
           if any(re.search(r'\d', bold) for bold in re.findall(r'\*\*([^*\n]+)\*\*', part[2]))]


@pytest.mark.parametrize('path, heading, text', FIGURED,
                         ids=[f'{os.path.basename(path)} {title}' for path, title, _ in FIGURED])
def test_each_figure_has_its_command_in_its_section(path, heading, text):
    # A figure is written in bold; the command that gives it is in a code
    # block or a code span of the same section.
    assert re.search(r'(^    |`)(KERAS_BACKEND=\w+ )?python \w+\.py', text, flags=re.M), heading


@pytest.mark.parametrize('path', PAGES, ids=os.path.basename)
def test_each_link_and_picture_of_a_page_is_there(path):
    for target in re.findall(r'\]\(([^)#]+)(?:#[^)]*)?\)', read(path)):
        if '://' not in target:
            assert os.path.exists(os.path.join(os.path.dirname(path), target)), target
