"""Training: one class's model, resumable (one_class.py), several classes at once
(parallel.py), and a trained set fine-tuned together (fine_tuning.py)."""
import collections

# One class's training: levels (images, h, w[, colours]), its ModelInfo, the
# model file, whether to restart, its TensorBoard folder or None, whether to
# spread each batch over the local devices, and levels of images of the
# class it does not train on, to measure it on (or None). Free of Keras, so
# that a worker process receives it as it is before Keras starts there.
Task = collections.namedtuple('Task', 'levels info path restart logdir distribute held_out',
                              defaults=(False, None, False, None))
