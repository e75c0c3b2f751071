"""Image arrays shrunk as models read them (the tutorial's shrink and
shrink_all, which util.py presents); free of Keras, so that pictures are
brought to size before it starts."""
import numpy as np
from skimage import transform
from skimage.util import img_as_ubyte


def shrink(im, size):
    return img_as_ubyte(transform.resize(im, (size, size)))


def shrink_all(x, size):
    return np.array([shrink(im, size) for im in x])
