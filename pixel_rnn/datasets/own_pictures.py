"""A person's own pictures (classification.py --images, generate.py
--complete): the files that paths name, each read within bounds and brought
at once to the form of a data set's images, so that memory stays small
whatever the count and size of the pictures. Free of Keras."""
import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import transform

from pixel_rnn.datasets import opening, picture_files
from pixel_rnn.errors import UsageError, shown
from pixel_rnn.images import shrink

# A picture may be far larger than a data set's images (a photograph); it is
# shrunk to 28x28 or 32x32, so no side above this is read.
MAX_PICTURE_SIDE = 8192
# A larger picture is reduced to at most this side as it is read (a JPEG
# decoded at a fraction of its size, others averaged in blocks): still far
# more detail than a 28x28 or 32x32 image keeps.
WORKING_SIDE = 1024
# EXIF's orientation tag: how a camera held sideways stored its picture, and
# the turn that shows it upright.
ORIENTATION = 0x0112
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def picture_paths(paths, flag):
    """The picture files paths name: each file, and each folder's files
    with picture_files.IMAGE_SUFFIXES, in order of name; what a folder
    holds besides is said in a note, and not read."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            pictures, skipped = folder_pictures(path, flag)
            if skipped:
                print(f'Note: {flag} {shown(path)}: skipped ' + ', '.join(
                    f'{skipped[why]} {words[skipped[why] > 1]}'
                    for why, words in SKIPPED.items() if why in skipped))
            if not pictures:
                raise UsageError(f"{flag} {path}: no pictures in the folder; give "
                                 f"{', '.join(picture_files.IMAGE_SUFFIXES)} files")
            found += pictures
        elif os.path.lexists(path):
            found.append(path)  # read_picture says what is wrong with it, if anything
        else:
            raise UsageError(f'{flag} {path}: no such file or folder')
    return found


# What a folder given for pictures may hold besides, as a note says it: one, several.
SKIPPED = {
    'name': ('file not named as a picture', 'files not named as pictures'),
    'folder': ('folder (folders within are not read)', 'folders (folders within are not read)'),
    'link': ('link that leads nowhere or round in a loop',
             'links that lead nowhere or round in a loop'),
    'other': ('entry that is not a file', 'entries that are not files'),
}


def folder_pictures(folder, flag):
    """(the picture files of folder, {why (a key of SKIPPED): how many entries were skipped})."""
    pictures, skipped = [], {}
    for entry in opening.folder_entries(folder, flag):
        try:
            is_file, is_folder = entry.is_file(), entry.is_dir()
        except OSError:  # a link round in a loop, or one the system cannot follow
            is_file = is_folder = False
        if is_file and entry.name.lower().endswith(picture_files.IMAGE_SUFFIXES):
            pictures.append(entry.path)
            continue
        why = ('name' if is_file else 'folder' if is_folder else
               'link' if entry.is_symlink() else 'other')
        skipped[why] = skipped.get(why, 0) + 1
    return pictures, skipped


def read_picture(path, mode, flag):
    """The picture at path (one of picture_files.PICTURE_FORMATS), upright
    as its EXIF orientation says, at most WORKING_SIDE a side, in PIL mode
    ('L', 'RGB'), as a uint8 array; any failure a UsageError naming path."""
    with picture_files.open_image(path, flag, MAX_PICTURE_SIDE) as image:
        try:
            turn = UPRIGHT.get(image.getexif().get(ORIENTATION))
        except Exception:  # damaged EXIF says nothing of the picture's pixels
            turn = None
        # A JPEG is decoded at 1/2, 1/4 or 1/8 of its size where that is enough.
        image.draft(mode, (WORKING_SIDE, WORKING_SIDE))
        factor = -(-max(image.size) // WORKING_SIDE)
        try:
            if factor > 1:
                image = reduced(image, factor)
            if turn is not None:
                image = image.transpose(turn)
        except Exception as error:  # damage shows when decoding
            raise picture_files.damaged_image(path, error, flag) from None
        return picture_files.decoded(image, path, mode, flag)


def reduced(image, factor):
    """image made factor times smaller, each factor x factor block of pixels
    averaged; a band of rows at a time, so that no full-size copy of it in
    another mode is ever made (a palette picture's colours, say)."""
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
    """A person's own picture, uint8 (h, w) grey or (h, w, 3) colour, as the
    images of settings' data set are made. Grey: light ink on a black ground
    at full contrast (so one on a light ground, by its edge's median, is
    inverted), the ink's bounding box framed as the data set frames its
    images (Settings.ink_box: MNIST's digits fit 20x20 of 28x28, centred by
    their centre of mass). Colour, as CIFAR-10's photographs fill their
    frame: the centre square, scaled to the data set's size. Returns (image,
    whether it was inverted)."""
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
    each read and brought to the form of settings' data set's images before
    the next is read."""
    return [(path, *in_dataset_form(read_picture(path, settings.picture_mode, flag), settings))
            for path in picture_paths(paths, flag)]
