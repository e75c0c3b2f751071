"""Training: one class's model, resumable (one_class.py), several classes at once
(parallel.py), and a trained set fine-tuned together (fine_tuning.py); what
every fit runs with, its backups and its stops (callbacks.py)."""
import collections

from pixel_rnn.description import HELD_OUT

# One class's training: levels (images, h, w[, colours]), its ModelInfo, the
# model file, whether to restart, its TensorBoard folder or None, whether to
# spread each batch over the local devices, and levels of images of the
# class it does not train on, to measure it on (or None). Free of Keras, so
# that a worker process receives it as it is before Keras starts there.
Task = collections.namedtuple('Task', 'levels info path restart logdir distribute held_out',
                              defaults=(False, None, False, None))


def held_out_images(dataset, label, used=None):
    """Up to HELD_OUT images of class label that training on the first used
    of its training images leaves out (None: on any of them): the rest of
    them, else its test images (none where those are its training images)."""
    # An empty array of the images' shape where none are left, as later steps expect.
    rest = dataset.x_train[dataset.y_train == label][used if used is not None else len(
        dataset.x_train):]
    if not len(rest) and dataset.x_test is not dataset.x_train:
        rest = dataset.x_test[dataset.y_test == label]
    return rest[:HELD_OUT]
