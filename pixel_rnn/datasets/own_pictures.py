"""A person's own pictures (classification.py --images, generate.py --complete),
each read within bounds and brought at once to the form of a data set's images,
so that memory stays small whatever their count and size. Free of Keras."""
import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import transform

from pixel_rnn.datasets.opening import IMAGE_SUFFIXES, decoded, folder_entries, open_image
from pixel_rnn.errors import UsageError, shown
from pixel_rnn.images import shrink

# A picture may be far larger than a data set's images (a photograph), but no
# side above this is read; a larger side than WORKING_SIDE is reduced as it is
# read, still far more detail than a 28x28 or 32x32 image keeps.
MAX_PICTURE_SIDE = 8192
WORKING_SIDE = 1024
# EXIF's orientation tag: how a camera held sideways stored its picture, and
# the turn that shows it upright.
ORIENTATION = 0x0112
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}
# What a folder given for pictures may hold besides, as a note says it: one, several.
SKIPPED = {
    'name': ('file not named as a picture', 'files not named as pictures'),
    'folder': ('folder (folders within are not read)', 'folders (folders within are not read)'),
    'link': ('link that leads nowhere or round in a loop',
             'links that lead nowhere or round in a loop'),
    'other': ('entry that is not a file', 'entries that are not files'),
}


def picture_paths(paths, flag):
    """The picture files paths name: each file, and each folder's files named
    as pictures, by name; what a folder holds besides is said in a note."""
    found = []
    for path in paths:
        if not os.path.isdir(path):
            if not os.path.lexists(path):
                raise UsageError(f'{flag} {path}: no such file or folder')
            found.append(path)  # read_picture says what is wrong with it, if anything
            continue
        skipped, before = {}, len(found)
        for entry in folder_entries(path, flag):
            try:
                is_file, is_folder = entry.is_file(), entry.is_dir()
            except OSError:  # a link round in a loop, or one the system cannot follow
                is_file = is_folder = False
            if is_file and entry.name.lower().endswith(IMAGE_SUFFIXES):
                found.append(entry.path)
                continue
            why = ('name' if is_file else 'folder' if is_folder else
                   'link' if entry.is_symlink() else 'other')
            skipped[why] = skipped.get(why, 0) + 1
        if skipped:
            print(f'Note: {flag} {shown(path)}: skipped ' + ', '.join(
                f'{skipped[why]} {words[skipped[why] > 1]}'
                for why, words in SKIPPED.items() if why in skipped))
        if len(found) == before:
            raise UsageError(f"{flag} {path}: no pictures in the folder; give "
                             f"{', '.join(IMAGE_SUFFIXES)} files")
    return found


def read_picture(path, mode, flag):
    """The picture at path, upright as its EXIF orientation says, at most
    WORKING_SIDE a side, in PIL mode ('L', 'RGB'), as a uint8 array."""
    with open_image(path, flag, MAX_PICTURE_SIDE) as image:
        try:
            turn = UPRIGHT.get(image.getexif().get(ORIENTATION))
        except Exception:  # damaged EXIF says nothing of the picture's pixels
            turn = None
        image.draft(mode, (WORKING_SIDE, WORKING_SIDE))  # a JPEG decoded at 1/2, 1/4 or 1/8
        factor = -(-max(image.size) // WORKING_SIDE)
        if factor > 1:
            image = reduced(image, factor)
        if turn is not None:
            image = image.transpose(turn)
        return decoded(image, mode)


def reduced(image, factor):
    """image made factor times smaller, each factor x factor block averaged; a
    band of rows at a time, so that no full-size copy of it in another mode
    is ever made (a palette picture's colours, say)."""
    mode = {'1': 'L', 'P': 'RGBA' if image.has_transparency_data else 'RGB',
            'PA': 'RGBA'}.get(image.mode, image.mode)
    width, height = image.size
    small = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, 2**20 // (width * factor))  # about a million pixels a band
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(top + rows, height)))
        small.paste(band.convert(mode).reduce(factor), (0, top // factor))
    return small


def in_dataset_form(picture, settings):
    """(A person's picture, uint8 (h, w) grey or (h, w, 3) colour, made as the
    images of settings' data set are, whether it was inverted). Colour, as
    CIFAR-10's photographs fill their frame: the centre square, scaled. Grey:
    light ink on black at full contrast (a light ground, by the edge's median,
    inverted), its bounding box framed as Settings.ink_box says (MNIST's
    digits fit 20x20 of 28x28, centred by their centre of mass)."""
    size = settings.picture_size
    if picture.ndim == 3:
        height, width = picture.shape[:2]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        return shrink(picture[top:top + side, left:left + side], size), False
    edge = np.concatenate([picture[0], picture[-1], picture[:, 0], picture[:, -1]])
    inverted = bool(np.median(edge) > 127)
    ink = (255 - picture if inverted else picture).astype(np.float64)
    ground = np.median(255 - edge if inverted else edge)
    ink = np.clip((ink - ground) * 255 / max(ink.max() - ground, 1), 0, 255)
    image = np.zeros((size, size))
    rows, columns = np.nonzero(ink > 64)  # a photograph's faint shading is no stroke
    if len(rows) == 0:
        return image.astype(np.uint8), inverted
    ink = ink[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    scale = settings.ink_box / max(ink.shape)
    height, width = (max(1, round(side * scale)) for side in ink.shape)
    top, left = (size - height) // 2, (size - width) // 2
    image[top:top + height, left:left + width] = transform.resize(ink, (height, width),
                                                                  anti_aliasing=scale < 1)
    if settings.by_centre_of_mass:
        centre = ndimage.center_of_mass(image)
        image = ndimage.shift(image, ((size - 1) / 2 - centre[0], (size - 1) / 2 - centre[1]),
                              order=1, mode='constant')
    return np.clip(np.round(image), 0, 255).astype(np.uint8), inverted


def pictures_in_dataset_form(paths, settings, flag):
    """[(path, image, whether it was inverted)] of the pictures paths name,
    each brought to the data set's form before the next is read."""
    return [(path, *in_dataset_form(read_picture(path, settings.picture_mode, flag), settings))
            for path in picture_paths(paths, flag)]
