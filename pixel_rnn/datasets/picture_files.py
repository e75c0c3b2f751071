"""Opening one picture file, bounded: read only in the formats allowed
(PICTURE_FORMATS), refused from its header if larger than max_side a side or
not of 8-bit samples, and only then decoded, in one PIL mode."""
import contextlib
import os
import warnings

import numpy as np
from PIL import Image, ImageMode

from pixel_rnn.datasets.checks import MAX_IMAGE_SIDE
from pixel_rnn.datasets.opening import cause, open_data_file
from pixel_rnn.errors import UsageError

# The formats pictures are read in, whatever a file's name says (Pillow
# would open others it knows, some by running programs: EPS runs Ghostscript),
# and the suffixes a folder's picture files have.
PICTURE_FORMATS = ('PNG', 'JPEG', 'BMP', 'GIF', 'TIFF', 'WEBP')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp')
# The PIL modes of 8-bit (or 1-bit) samples: NumPy's typestr of one sample.
EIGHT_BIT_SAMPLES = ('|u1', '|b1')


@contextlib.contextmanager
def open_image(path, flag='--data', max_side=MAX_IMAGE_SIDE):
    """The picture at path opened with only its header read: a regular file
    of 8-bit samples at most max_side a side, else a UsageError naming it and
    flag. Pillow decodes a picture only when asked for its pixels (decoded)."""
    with open_data_file(path, flag) as file:
        too_large = f'images larger than {max_side}x{max_side} are refused'
        if os.fstat(file.fileno()).st_size == 0:
            raise UsageError(f'{flag}: {path} is an empty file; give images in '
                             f"{', '.join(IMAGE_SUFFIXES)} files")
        try:
            with warnings.catch_warnings():
                # Pillow only warns about images up to twice its limit; both are refused.
                warnings.simplefilter('error', Image.DecompressionBombWarning)
                image = Image.open(file, formats=PICTURE_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UsageError(f'{flag}: {path} is an image of over {Image.MAX_IMAGE_PIXELS} '
                             f'pixels; {too_large}') from None
        except Exception as error:  # a damaged image can fail in any number of ways
            raise damaged_image(path, error, flag) from None
        with image:
            if max(image.size) > max_side:
                raise UsageError(f'{flag}: {path} is an image of {image.width}x{image.height} '
                                 f'pixels; {too_large}')
            depth = sample_depth(image)
            if depth:
                raise UsageError(f'{flag}: {path} is {depth}; give 8-bit images (converting '
                                 'it would clip or blacken its pixels)')
            yield image


def sample_depth(image):
    """None for an opened picture of 8-bit samples, else its samples in words."""
    if ImageMode.getmode(image.mode).typestr not in EIGHT_BIT_SAMPLES:
        return f'a {image.format} image of mode {image.mode}, not 8-bit samples'
    # Pillow reads a 16-bit RGB PNG as mode RGB, keeping the high bytes.
    if any(';16' in str(tile.args) for tile in image.tile):
        return f'a {image.format} image of 16-bit samples'
    return None


def decoded(image, path, mode, flag='--data'):
    """The pixels of an image from open_image, converted to PIL mode, as an
    array; a transparent ground is seen on white, as a viewer shows it."""
    try:
        if image.has_transparency_data:
            image = image.convert('RGBA')
            image = Image.alpha_composite(Image.new('RGBA', image.size, 'white'), image)
        return np.asarray(image.convert(mode))
    except Exception as error:  # as in open_image: damage shows when decoding
        raise damaged_image(path, error, flag) from None


def damaged_image(path, error, flag):
    if isinstance(error, Image.UnidentifiedImageError):
        found = f"not a picture in one of the formats read ({', '.join(PICTURE_FORMATS)})"
    else:
        found = f'a damaged image ({cause(error)})'
    return UsageError(f'{flag}: {path} is {found}; give images in '
                      f"{', '.join(IMAGE_SUFFIXES)} files")
