"""Image arrays as models read them: shrunk (the tutorial's shrink and
shrink_all), quantized to levels, deskewed, moved by a pixel. util.py
presents them; free of Keras, so that pictures and data are brought to size
before it starts."""
import numpy as np
from scipy import ndimage
from skimage import transform
from skimage.util import img_as_ubyte

from pixel_rnn import defaults


def shrink(im, size):
    return img_as_ubyte(transform.resize(im, (size, size)))


# Images shrunk by one call: the batch is one more axis that resize leaves as
# it is (bit for bit the images one by one, about seven times as fast), in
# blocks that keep its float64 copies small.
SHRINK_BLOCK = 1024


def shrink_all(x, size):
    """shrink of each image of x (m, h, w[, colours])."""
    blocks = [img_as_ubyte(transform.resize(x[start:start + SHRINK_BLOCK],
                                            (len(x[start:start + SHRINK_BLOCK]), size, size)
                                            + x.shape[3:]))
              for start in range(0, len(x), SHRINK_BLOCK)]
    return np.concatenate(blocks) if blocks else np.zeros((0, size, size) + x.shape[3:],
                                                          np.uint8)


def quantize(images, size=defaults.target_size, factor=defaults.factor):
    """uint8 images (m, h, w[, colours]) -> intensity levels (m, size, size[, colours])."""
    return np.round(shrink_all(images, size) / factor).astype(np.uint8)


def deskew(images):
    """uint8 grey images (m, h, w), each sheared so that its ink's principal
    axis stands upright and shifted so that its ink's centre of mass is the
    image's centre: the slant that varies from writer to writer is taken out
    before a model sees the image."""
    weights = images.astype(np.float64)
    ink = weights.sum(axis=(1, 2)) + 1e-9  # a blank image stays blank
    rows, cols = np.mgrid[:images.shape[1], :images.shape[2]]
    mean_row = (weights * rows).sum(axis=(1, 2)) / ink
    mean_col = (weights * cols).sum(axis=(1, 2)) / ink
    row_offsets = rows - mean_row[:, None, None]
    slants = ((weights * row_offsets * (cols - mean_col[:, None, None])).sum(axis=(1, 2))
              / np.maximum((weights * row_offsets ** 2).sum(axis=(1, 2)), 1e-9))
    centre_row, centre_col = (images.shape[1] - 1) / 2, (images.shape[2] - 1) / 2
    deskewed = np.empty_like(images)
    for index, (image, slant) in enumerate(zip(images, slants)):
        # warp's map takes each output (col, row) to where it reads the input.
        source = np.array([[1, slant, mean_col[index] - centre_col - slant * centre_row],
                           [0, 1, mean_row[index] - centre_row],
                           [0, 0, 1]])
        deskewed[index] = np.round(transform.warp(image, source, order=1, preserve_range=True))
    return deskewed


def to_levels(images, info):
    """uint8 images -> the levels a model of info takes: deskewed if it was
    trained so, shrunk and quantized."""
    return quantize(deskew(images) if info.deskew else images, info.image_size, info.factor)


# A move is one one-pixel offset (rows, columns) of an image: down, up,
# right, left, then the diagonals. Training's --shifts=N adds the images
# under the first N (the flag and ModelInfo.shifts keep the name users and
# files know); classification's --moves scores them (scored_moves). Every
# other name here says move.
MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))


def moved(images, rows, columns):
    """uint8 images (grey or colour) moved by whole pixels, zeros filling the edge they leave."""
    offsets = (0, rows, columns) + (0,) * (images.ndim - 3)
    return ndimage.shift(images, offsets, order=0, mode='constant', cval=0)


def scored_moves(count):
    """The moves classification.py --moves=count scores each image under
    besides the image itself: 2 is one along each axis (down, right), each
    moving the halving to 14x14 by half a pixel; 4 and 8 as --shifts."""
    return {0: (), 2: (MOVES[0], MOVES[2]), 4: MOVES[:4], 8: MOVES}[count]


def training_levels(images, info):
    """The levels a model of info trains on: those of images, with
    info.shifts also of their first info.shifts one-pixel moves (before
    shrinking, so each is a new picture), with info.mirror also the mirror
    images of all."""
    if info.shifts:
        images = np.concatenate([images] + [moved(images, *move)
                                            for move in MOVES[:info.shifts]])
    levels = to_levels(images, info)
    return np.concatenate([levels, levels[:, :, ::-1]]) if info.mirror else levels
