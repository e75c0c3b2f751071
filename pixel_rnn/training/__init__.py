"""Training (the code map in pixel_rnn/__init__.py says which module does
what): a class's Task, and the images it trains on and is measured on."""
import collections

import numpy as np

from pixel_rnn.description import HELD_OUT
from pixel_rnn.errors import UsageError

# One class's training: one_class.train_class's arguments. Free of Keras, so
# that a worker receives it before Keras starts there.
Task = collections.namedtuple('Task', 'levels info path restart logdir distribute held_out',
                              defaults=(False, None, False, None))


def class_images(dataset, label, skip, count):
    """Up to count training images of class label after the first skip; a
    UsageError where there are none."""
    images = dataset.x_train[dataset.y_train == label][skip:skip + count]
    if len(images) == 0:
        raise UsageError(f'no training images of class {dataset.class_names[label]} '
                         f'(after skipping {skip})')
    return images


def held_out_images(dataset, label, skip=0, used=None):
    """Up to HELD_OUT images of class label that training on used of its
    training images after the first skip leaves out (used None: all), else
    its test images (unless those are its training images): training images
    first, drawn as those trained on were, leaving the test images a fair check."""
    in_class = dataset.x_train[dataset.y_train == label]
    # An empty array of the images' shape where none are left, as later steps expect.
    rest = in_class[:0] if used is None else np.concatenate([in_class[:skip],
                                                             in_class[skip + used:]])
    if not len(rest) and dataset.x_test is not dataset.x_train:
        rest = dataset.x_test[dataset.y_test == label]
    return rest[:HELD_OUT]
