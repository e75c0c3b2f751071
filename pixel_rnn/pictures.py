"""Pictures: grids of images, report figures, and writing them as files,
their places checked first."""
import io
import os
import sys

import numpy as np
from PIL import Image

from pixel_rnn import defaults, errors, files
from pixel_rnn.errors import UsageError
from pixel_rnn.images import shrink


def image_grid(images, columns=None, line=defaults.grid_line):
    """Equal-size pictures -> one, row by row, columns to a row (default: a
    square grid), white lines line pixels wide between the cells."""
    columns = columns or int(round(np.sqrt(len(images))))
    rows = -(-len(images) // columns)
    height, width = images[0].shape[:2]
    grid = np.full((rows * (height + line) - line, columns * (width + line) - line)
                   + images[0].shape[2:], 255, dtype=np.uint8)
    for index, image in enumerate(images):
        top, left = (height + line) * (index // columns), (width + line) * (index % columns)
        grid[top:top + height, left:left + width] = image
    return grid


def levels_to_image(levels, output_size, factor):
    """Levels (h, w[, 3]) -> uint8 picture output_size a side, a level's
    intensity level * factor."""
    return shrink(np.clip(levels * factor, 0, 255).astype(np.uint8), output_size)


def hidden_rows_image(levels, given_rows, output_size, factor):
    """As levels_to_image, of the first given_rows rows, the rest hatched as hidden."""
    # The last given row stands in for the hidden ones, so that the smooth
    # scaling of levels_to_image carries nothing of them into the given part.
    shown = levels.copy()
    shown[given_rows:] = levels[given_rows - 1]
    picture = levels_to_image(shown, output_size, factor)
    first_hidden = int(round(given_rows * output_size / len(levels)))
    rows, columns = np.mgrid[first_hidden:output_size, :output_size]
    hatching = np.where((rows + columns) // 4 % 2, 96, 160).astype(np.uint8)
    picture[first_hidden:] = hatching[..., None] if picture.ndim == 3 else hatching
    return picture


def samples_picture(bayes, labels, count, side, columns=None, **draw):
    """count samples by the model of each class of labels (positions in the
    BayesClassifier bayes; draw: its sample's seed, temperature, verbose),
    side pixels a side, columns to a row (default: a square grid)."""
    return image_grid([levels_to_image(image, side, bayes.info.factor) for label in labels
                       for image in bayes.sample(label, count, **draw)], columns)


def completion_picture(bayes, labels, images, given_rows, count, side, **draw):
    """A row per class of labels and uint8 image: the image with its rows
    below given_rows hatched, count completions by the class's model, then
    it whole (BayesClassifier.complete's; draw as for samples_picture)."""
    levels, factor, cells = bayes.levels(images)[0], bayes.info.factor, []
    for label in labels:
        for image, completions in zip(levels, bayes.complete(label, images, given_rows, count,
                                                             **draw)):
            cells += [hidden_rows_image(image, given_rows, side, factor),
                      *(levels_to_image(completion, side, factor) for completion in completions),
                      levels_to_image(image, side, factor)]
    return image_grid(cells, columns=count + 2)


def show(picture, path):
    """Open picture (written to path) in a viewer, or say why not: Pillow's
    viewers would fail silently."""
    from PIL import ImageShow
    if sys.platform == 'linux' and not ({'DISPLAY', 'WAYLAND_DISPLAY'} & set(os.environ)):
        why = 'no screen here (DISPLAY is not set)'
    elif not ImageShow.show(Image.fromarray(picture)):
        why = 'no picture viewer found'
    else:
        return
    print(f'warning: --show: {why}; the picture is in {errors.shown(path)}', file=sys.stderr)


def save_picture(picture, path, image_format):
    """Write a uint8 picture to path in image_format (Pillow's name), whole or not at all."""
    encoded = io.BytesIO()
    Image.fromarray(picture).save(encoded, format=image_format)
    files.write_whole(path, encoded.getvalue())


MAX_SHOWN_ERRORS = 100  # the misclassified picture's grid: 10 x 10 at most


def figure_picture(figure):
    """A matplotlib Figure drawn (by Agg, no screen needed) to a uint8 RGB picture."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.array(canvas.buffer_rgba())[:, :, :3]


def confusion_picture(labels, predictions, class_names):
    """scikit-learn's ConfusionMatrixDisplay of predictions against labels
    (positions in class_names), as a uint8 RGB picture."""
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay
    figure = Figure(figsize=(7, 6), dpi=100, layout='tight')
    axes = figure.add_subplot()
    ConfusionMatrixDisplay.from_predictions(
        labels, predictions, labels=range(len(class_names)), display_labels=class_names,
        ax=axes, colorbar=False, xticks_rotation='vertical' if len(max(class_names, key=len)) > 2
        else 'horizontal')
    axes.set(title=f'{len(labels)} test images: {np.mean(labels == predictions):.4f} correct',
             xlabel='chosen class', ylabel='true class')
    return figure_picture(figure)


def misclassified_picture(images, labels, predictions, class_names):
    """The first MAX_SHOWN_ERRORS images whose prediction is not their label,
    in a grid, each titled 'true as chosen', as a uint8 RGB picture."""
    from matplotlib.figure import Figure
    wrong = np.flatnonzero(labels != predictions)
    shown = wrong[:MAX_SHOWN_ERRORS]
    columns = max(1, min(10, len(shown)))
    rows = max(1, -(-len(shown) // columns))
    figure = Figure(figsize=(1.1 * columns + 0.4, 1.2 * rows + 0.6), dpi=100, layout='tight')
    figure.suptitle(f'{len(wrong)} of {len(labels)} misclassified, true class as chosen'
                    + (f' (the first {len(shown)})' if len(shown) < len(wrong) else ''),
                    fontsize=9)
    for place, index in enumerate(shown):
        axes = figure.add_subplot(rows, columns, place + 1)
        axes.imshow(images[index], cmap='gray', vmin=0, vmax=255)
        axes.set_title(f'{class_names[labels[index]]} as {class_names[predictions[index]]}',
                       fontsize=8)
        axes.set_axis_off()
    return figure_picture(figure)


def check_report_dir(report_dir, paths):
    """Fail now, before minutes of classifying, where --report's pictures
    (paths, in report_dir) could not be written."""
    files.check_folder('--report_dir', report_dir)
    for path in paths:
        if os.path.isdir(path):
            raise UsageError(f'--report_dir {report_dir}: {path} is a folder, where a picture '
                             'of the report goes; move it away or give another --report_dir')


def picture_path(path, default, colours):
    """The picture file --out names (default where not given) and the Pillow
    format its suffix asks for, which must write pictures of colours (1 grey,
    3 RGB; QOI writes no grey ones); checked before minutes of drawing."""
    path = default if path is None else path
    image_format = Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    try:  # a pixel written: what each format's writer raises is its own; None raises too
        Image.fromarray(np.zeros((1, 1, colours)[:2 + (colours > 1)], np.uint8)).save(
            io.BytesIO(), format=image_format)
    except Exception:
        image_format = None
    if image_format is None:
        raise UsageError(f'--out {path!r}: give a picture file name ending in .png, .jpg, '
                         '.bmp, .gif, .tif or .webp')
    existing = files.existing_part(os.path.dirname(path) or '.')
    if os.path.isdir(path) or not os.path.isdir(existing) or not os.access(existing, os.W_OK):
        raise UsageError(f'--out {path}: cannot write a file there; give a file name in a '
                         'folder you can write to')
    files.check_lengths('--out', path, existing)
    return path, image_format
