"""Image arrays as models read them: shrunk (the tutorial's shrink and
shrink_all), quantized to levels, deskewed, moved by a pixel. Free of Keras,
so that pictures and data are brought to size before it starts."""
import numpy as np
from scipy import ndimage
from skimage import transform
from skimage.util import img_as_ubyte

from pixel_rnn import defaults
from pixel_rnn.errors import UsageError


def intensities(images):
    """images as uint8 intensities: integers 0-255 of any type as they are;
    floats all whole numbers 0-255 as they are, or all within 0-1 times 255
    (as image libraries keep them). Read as their type's range instead, an
    int64 255 would be black, and so would every float 0-1. A ValueError
    says what they hold otherwise."""
    images = np.asarray(images)
    if images.dtype == np.uint8 or not images.size:
        return images.astype(np.uint8, copy=False)
    if images.dtype.kind not in 'iuf':  # not bool, whose kind is 'b'
        raise ValueError(f'values of dtype {images.dtype}')
    if images.dtype.kind == 'f':
        if not np.isfinite(images).all():
            raise ValueError(f'{images.dtype} values including '
                             f'{images[~np.isfinite(images)].flat[0]}')
        if images.min() >= 0 and images.max() <= 1:
            return np.round(images * 255).astype(np.uint8)
        if (images != np.round(images)).any():
            raise ValueError(f'{images.dtype} values {images.min():g} to {images.max():g}, '
                             'neither whole numbers nor within 0-1')
    if images.min() < 0 or images.max() > 255:
        raise ValueError(f'{images.dtype} values {images.min():g} to {images.max():g}')
    return images.astype(np.uint8)


INTENSITIES = 'intensities are whole numbers 0-255 of any type, or floats 0-1'


def checked_intensities(images, ndims):
    """intensities(images), of ndims axes (one of them); else a UsageError."""
    images = np.asarray(images)
    if images.ndim not in ndims:
        raise UsageError(f'images of shape {images.shape} are not pictures of '
                         f'{" or ".join(map(str, ndims))} axes')
    try:
        return intensities(images)
    except ValueError as error:
        raise UsageError(f'the images hold {error}; {INTENSITIES}') from None


def shrink(im, size):
    """The tutorial's: one picture (h, w[, colours]) shrunk to size x size."""
    return img_as_ubyte(transform.resize(checked_intensities(im, (2, 3)), (size, size)))


# Images are shrunk by one call a block: the batch is one more axis that
# resize leaves as it is (bit for bit the images one by one, about seven
# times as fast); blocks keep its float64 copies small.
SHRINK_BLOCK = 1024


def shrink_all(x, size):
    """shrink of each image of x (m, h, w[, colours])."""
    x = checked_intensities(x, (3, 4))
    shrunk = np.zeros((len(x), size, size) + x.shape[3:], np.uint8)
    for start in range(0, len(x), SHRINK_BLOCK):
        block = x[start:start + SHRINK_BLOCK]
        shrunk[start:start + len(block)] = img_as_ubyte(
            transform.resize(block, (len(block), size, size) + x.shape[3:]))
    return shrunk


def quantize(images, size=defaults.target_size, factor=defaults.factor):
    """Images (m, h, w[, colours]) -> levels (m, size, size[, colours])."""
    return np.round(shrink_all(images, size) / factor).astype(np.uint8)


def deskew(images):
    """uint8 grey images (m, h, w), each sheared so that its ink's principal
    axis stands upright and shifted so that its ink's centre of mass is the
    image's centre: the slant that varies from writer to writer taken out."""
    weights = images.astype(np.float64)
    ink = weights.sum(axis=(1, 2)) + 1e-9  # a blank image stays blank
    rows, cols = np.mgrid[:images.shape[1], :images.shape[2]]
    mean_row, mean_col = ((weights * axis).sum(axis=(1, 2)) / ink for axis in (rows, cols))
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
    """images -> the levels a model of info takes: deskewed if it was trained
    so, shrunk and quantized."""
    # As uint8 first: deskewing rounds, and would make floats 0-1 zeros and ones.
    images = checked_intensities(images, (3, 4))
    return quantize(deskew(images) if info.deskew else images, info.image_size, info.factor)


# One-pixel moves (rows, columns) of an image: down, up, right, left, then the
# diagonals. Training's --shifts=N (the name users and files know) adds the
# images under the first N; classification's --moves scores them.
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
    """The levels a model of info trains on: of images and of their first
    info.shifts moves (before shrinking, so each is a new picture), and with
    info.mirror the mirror images of all."""
    if info.shifts:
        images = np.concatenate([images] + [moved(images, *move)
                                            for move in MOVES[:info.shifts]])
    levels = to_levels(images, info)
    return np.concatenate([levels, levels[:, :, ::-1]]) if info.mirror else levels
