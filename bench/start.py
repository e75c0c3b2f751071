"""The start-up every bench script makes, in one place.

A script in bench/ begins with

    import start  # first: bench/start.py puts the project on sys.path

before any import of the project's modules, and, if it runs Keras, calls
start.keras() before importing Keras or anything that imports it (util,
keras itself). start.ROOT is the project's root.

`python bench/X.py` puts bench/ first on sys.path, so this module is found
by its bare name; importing it puts the project's root (ROOT) in front, so
that the scripts import config, util, pixel_rnn and bench.tutorial_baseline
as the project's own scripts do. Importing it imports neither Keras nor the
project.
"""
import os
import sys

# The project's root: the folder above bench/.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def keras(project=ROOT):
    """Start Keras as the project's scripts do (pixel_rnn.startup: TensorFlow's
    log level set before it loads, its start-up lines held back, its Python
    warnings quiet). project: the checkout whose modules are imported, another
    one (an earlier commit) to measure before and after; then call this
    before any module of the project is imported."""
    project = os.path.abspath(project)
    if project != ROOT:
        sys.path[:] = [project] + [path for path in sys.path if path != ROOT]
    from pixel_rnn import startup
    startup.start_keras()
