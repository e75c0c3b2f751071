"""Pictures: grids of images, report figures, and writing them as files."""
import io

import numpy as np
from PIL import Image

import config
from pixel_rnn import files


def image_grid(images, columns=None, line=config.grid_line):
    """Equal-size pictures -> one picture, row by row, columns to a row
    (default: a square grid), with white lines line pixels wide between
    the cells."""
    columns = columns or int(round(np.sqrt(len(images))))
    rows = -(-len(images) // columns)
    height, width = images[0].shape[:2]
    grid = np.full((rows * (height + line) - line, columns * (width + line) - line)
                   + images[0].shape[2:], 255, dtype=np.uint8)
    for index, image in enumerate(images):
        top, left = (height + line) * (index // columns), (width + line) * (index % columns)
        grid[top:top + height, left:left + width] = image
    return grid


def save_picture(picture, path, image_format):
    """Write a uint8 picture to path in image_format (a Pillow format name),
    whole or not at all."""
    encoded = io.BytesIO()
    Image.fromarray(picture).save(encoded, format=image_format)
    files.write_whole(path, encoded.getvalue())


MAX_SHOWN_ERRORS = 100  # the misclassified picture's grid: 10 x 10 at most


def figure_picture(figure):
    """A matplotlib Figure drawn (by Agg, no screen needed) to a uint8 RGB picture."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


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
    """The first MAX_SHOWN_ERRORS images (uint8, grey or colour) whose
    prediction is not their label, in a grid, each titled 'true as chosen',
    as a uint8 RGB picture."""
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
