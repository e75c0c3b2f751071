"""The package's code map (pixel_rnn/__init__.py) says how its parts import
each other: a part imports only the parts below it in the map."""
import ast
import os
import re
import shutil
import subprocess
import sys

import pixel_rnn
from conftest import ROOT

PACKAGE = os.path.join(ROOT, 'pixel_rnn')


def parts_in_map_order():
    """The parts the code map lists, top first: 'training', 'cli', ..."""
    return [re.sub(r'(\.py|/)$', '', match)
            for match in re.findall(r'^    (\S+(?:\.py|/))\s', pixel_rnn.__doc__, re.M)]


def part_of(module):
    """The part of the map a module name (pixel_rnn.x.y) belongs to."""
    return module.split('.')[1]


def modules_imported(path):
    """The modules the file at path imports absolutely, anywhere in it, and
    each name imported from one as module.name."""
    with open(path) as f:
        tree = ast.parse(f.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return found


def imports_of(path):
    """The pixel_rnn modules the file at path imports, anywhere in it."""
    return {name for name in modules_imported(path) if name.startswith('pixel_rnn.')}


def test_the_code_map_lists_every_part_of_the_package():
    parts = parts_in_map_order()
    on_disk = {re.sub(r'\.py$', '', name) for name in os.listdir(PACKAGE)
               if name != '__init__.py' and not name.startswith(('.', '__'))}
    assert set(parts) == on_disk


def test_each_part_imports_only_the_parts_below_it_in_the_code_map():
    parts = parts_in_map_order()
    wrong = []
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, PACKAGE)
            part = re.sub(r'\.py$', '', relative.split(os.sep)[0])
            if part == '__init__':
                continue
            for module in imports_of(path):
                other = part_of(module)
                if other in parts and parts.index(other) < parts.index(part):
                    wrong.append(f'{relative} imports {module}')
    assert wrong == []


def top_level_imports_of(path):
    """The modules outside the package that the file at path imports, anywhere in it."""
    return {name.split('.')[0] for name in modules_imported(path)} - {'pixel_rnn'}


def test_no_part_of_the_package_imports_the_project_s_top_level_modules():
    # The scripts, util.py and config.py (the tutorial's names for
    # pixel_rnn/defaults.py's values) are above the package, not in it.
    top_level = {re.sub(r'\.py$', '', name) for name in os.listdir(ROOT)
                 if name.endswith('.py') or name != 'pixel_rnn' and has_python(ROOT, name)}
    assert {'config', 'util', 'train', 'generate', 'tests', 'bench'} <= top_level
    wrong = []
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                wrong += [f'{os.path.relpath(path, PACKAGE)} imports {module}'
                          for module in sorted(top_level_imports_of(path) & top_level)]
    assert wrong == []


def has_python(root, name):
    folder = os.path.join(root, name)
    return os.path.isdir(folder) and any(file.endswith('.py') for file in os.listdir(folder))


KERAS = ('keras', 'tensorflow', 'jax', 'torch')
IMPORT_EVERY_MODULE = """
import importlib, importlib.util, sys
assert importlib.util.find_spec('config') is None, 'a config module is on the path'
import pixel_rnn
assert pixel_rnn.__file__.startswith(sys.argv[1]), pixel_rnn.__file__
for name in sys.argv[2:]:
    importlib.import_module(name)
print(len(sys.argv[2:]), 'imported')
"""


def test_the_package_imports_alone_from_another_folder(tmp_path):
    # Only pixel_rnn, copied into a folder of its own, with no config.py or
    # util.py beside it: every module there imports (those that import Keras
    # as they are imported left out, for time: the layers, the fit's callbacks).
    copy = tmp_path / 'elsewhere'
    shutil.copytree(PACKAGE, copy / 'pixel_rnn', ignore=shutil.ignore_patterns('__pycache__'))
    modules = []
    for folder, _, names in os.walk(copy / 'pixel_rnn'):
        for name in sorted(names):
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            module = os.path.relpath(path, copy).removesuffix('.py').replace(os.sep, '.')
            if not keras_at_import(path):
                modules.append(module.removesuffix('.__init__'))
    assert 'pixel_rnn.description' in modules and 'pixel_rnn.modelfile.loading' in modules
    assert len(modules) > 30
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    result = subprocess.run([sys.executable, '-c', IMPORT_EVERY_MODULE, str(copy), *modules],
                            cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f'{len(modules)} imported' in result.stdout


def keras_at_import(path):
    """Whether the module at path imports Keras or a backend at its top level."""
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or '']
        else:
            continue
        if any(name.split('.')[0] in KERAS for name in names):
            return True
    return False


def test_the_code_passes_the_projects_lint():
    # ruff.toml: pycodestyle and pyflakes at 100 columns, over scripts, package, tests and bench.
    result = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--quiet', '.'], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
