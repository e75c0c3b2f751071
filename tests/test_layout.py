"""The package's code map (pixel_rnn/__init__.py) says how its parts import
each other: a part imports only the parts below it in the map."""
import ast
import os
import re

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


def imports_of(path):
    """The pixel_rnn modules the file at path imports, anywhere in it."""
    with open(path) as f:
        tree = ast.parse(f.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return {name for name in found if name.startswith('pixel_rnn.')}


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
