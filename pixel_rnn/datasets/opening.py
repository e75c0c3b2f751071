"""Opening what --data, --images or --complete names, trusting none of it: a
file (never a FIFO or a device), a folder's entries, one picture, bounded;
any failure a one-line UsageError naming the path and flag."""
import contextlib
import errno
import os
import warnings

import numpy as np
from PIL import Image, ImageMode

from pixel_rnn import files
from pixel_rnn.datasets.checks import MAX_IMAGE_SIDE, cause
from pixel_rnn.errors import UsageError

# The formats pictures are read in, whatever a file's name says (Pillow would
# open others, some by running programs: EPS runs Ghostscript), and the
# suffixes a folder's picture files have.
PICTURE_FORMATS = ('PNG', 'JPEG', 'BMP', 'GIF', 'TIFF', 'WEBP')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp')
GIVE_PICTURES = f"give images in {', '.join(IMAGE_SUFFIXES)} files"


def unreadable(path, error, flag):
    """The UsageError for an OSError met opening or listing path."""
    if error.errno == errno.ELOOP:
        return UsageError(f'{flag}: {path} is a symlink loop; give a file or folder')
    return UsageError(f'{flag}: cannot read {path} ({error.strerror or cause(error)})')


def open_data_file(path, flag='--data'):
    """path opened for binary reading if a regular file (links followed): a FIFO
    would wait for a writer, /dev/zero never ends. Opened without waiting,
    then checked, so that nothing is swapped in between."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise unreadable(path, error, flag) from None
    kind = files.kind(os.fstat(descriptor).st_mode)
    if kind != 'a file':
        os.close(descriptor)
        raise UsageError(f'{flag}: {path} is {kind}, not a file')
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, 'rb')


def folder_entries(folder, flag='--data'):
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        raise unreadable(folder, error, flag) from None


@contextlib.contextmanager
def open_image(path, flag='--data', max_side=MAX_IMAGE_SIDE):
    """The picture at path, its header read and its pixels not yet (decoded
    reads them, within the with), refused unless of 8-bit samples and at
    most max_side a side; a failure opening or decoding it is its damage."""
    too_large = f'images larger than {max_side}x{max_side} are refused'
    with open_data_file(path, flag) as file:
        if os.fstat(file.fileno()).st_size == 0:
            raise UsageError(f'{flag}: {path} is an empty file; {GIVE_PICTURES}')
        try:
            with warnings.catch_warnings():
                # Pillow only warns about images up to twice its limit; both are refused.
                warnings.simplefilter('error', Image.DecompressionBombWarning)
                image = Image.open(file, formats=PICTURE_FORMATS)
            with image:
                if max(image.size) > max_side:
                    raise UsageError(f'{flag}: {path} is an image of {image.width}x'
                                     f'{image.height} pixels; {too_large}')
                eight_bit = ImageMode.getmode(image.mode).typestr in ('|u1', '|b1')
                # Pillow reads a 16-bit RGB PNG as RGB, keeping the high bytes: its tiles say.
                if not eight_bit or any(';16' in str(tile.args) for tile in image.tile):
                    depth = ('16-bit samples' if eight_bit
                             else f'mode {image.mode}, not 8-bit samples')
                    raise UsageError(f'{flag}: {path} is a {image.format} image of {depth}; '
                                     'give 8-bit images (converting it would clip or blacken '
                                     'its pixels)')
                yield image
        except UsageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UsageError(f'{flag}: {path} is an image of over {Image.MAX_IMAGE_PIXELS} '
                             f'pixels; {too_large}') from None
        except Exception as error:  # a damaged image can fail in any number of ways
            found = (f"not a picture in one of the formats read ({', '.join(PICTURE_FORMATS)})"
                     if isinstance(error, Image.UnidentifiedImageError)
                     else f'a damaged image ({cause(error)})')
            raise UsageError(f'{flag}: {path} is {found}; {GIVE_PICTURES}') from None


def decoded(image, mode):
    """The pixels of an image from open_image in PIL mode, as an array; a
    transparent ground is seen on white, as a viewer shows it."""
    if image.has_transparency_data:
        image = Image.alpha_composite(Image.new('RGBA', image.size, 'white'),
                                      image.convert('RGBA'))
    return np.asarray(image.convert(mode))

