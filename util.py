"""The tutorial's functions under its names, each a thin face over the package pixel_rnn.

The tutorial walks its reader through these, and its scripts call them so:
create_model, shrink, shrink_all, pre_process, train_model, sample and
classify, with load_model for its keras.models.load_model. They take this
project's model files and the tutorial's own. Everything else is the
package's: models (pixel_rnn.architectures), Bayes classification
(pixel_rnn.classifier), preprocessing (pixel_rnn.images), pictures
(pixel_rnn.pictures), training (pixel_rnn.training).
"""
import dataclasses
import math

import numpy as np

import config
from pixel_rnn.architectures import gru
from pixel_rnn.architectures.model import ClassModel
from pixel_rnn.architectures.params import defaults
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn.datasets import DATASETS
from pixel_rnn.description import ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.images import quantize, shrink, shrink_all  # noqa: F401 (the tutorial's names)
from pixel_rnn.modelfile import loading, saving, tutorial
# The project's Keras layers registered: the tutorial's own
# keras.models.load_model opens every model file the project writes.
import pixel_rnn.architectures.layers  # noqa: F401


def create_model(one_hot_len):
    """The tutorial's network: a GRU of 256 units over one-hot levels
    (one_hot_len of them), a Dense layer and a softmax at every step,
    compiled as the tutorial compiles it (Adam, categorical cross-entropy)."""
    network = gru.create_model(one_hot_len)
    network.compile(optimizer='adam', loss='categorical_crossentropy')
    return network


def pre_process(images, size=config.target_size, levels=config.num_classes):
    """uint8 images (m, h, w) as the tutorial's GRU reads them: shrunk to
    size x size, quantized to levels, one-hot, after an all-zero start
    vector: (m, size * size + 1, levels)."""
    return gru.to_sequences(quantize(images, size, 256 / (levels - 1)), levels)


class TrainedModel(gru.GRU):
    """What train_model returns: a GRU model that saves itself as the
    tutorial's Keras model does."""

    def save(self, path):
        """Write the model to path, whole or not at all, as a file the
        scripts load; its class the one the file's name gives (model_7.h5:
        7), as the tutorial's files say theirs."""
        self.info = dataclasses.replace(self.info, class_name=config.class_name_of(path))
        saving.save(self, path)


def train_model(xs, num_classes, batch_size=32, epochs=50):
    """The tutorial's training: a GRU of num_classes levels fitted to predict
    each step of xs (from pre_process) from the steps before it, the
    targets shifted by one. Returns the TrainedModel, which model.save(path)
    writes as a file the scripts load."""
    size = math.isqrt(xs.shape[1] - 1)
    if xs.ndim != 3 or xs.shape[2] != num_classes or size * size != xs.shape[1] - 1:
        raise UsageError(f'xs of shape {xs.shape} is not what pre_process makes of square '
                         f'images with {num_classes} levels: (images, side * side + 1, '
                         f'{num_classes})')
    levels = np.argmax(xs[:, 1:], axis=2).reshape(len(xs), size, size)
    info = ModelInfo(dataset='mnist', class_name='', image_size=size, levels=num_classes,
                     colours=1, arch='gru', params=defaults(gru.PARAMS), num_images=len(xs),
                     epochs=epochs, batch_size=batch_size)
    model = TrainedModel(info)
    history = model.fit(levels, batch_size, epochs)
    model.info = dataclasses.replace(info, loss=float(history.history['loss'][-1]))
    return model


def load_model(path):
    """The model in the file at path (this project's, or the tutorial's own),
    every check made: the tutorial's keras.models.load_model."""
    return loading.load(path)


def sample(model, image_size, num_classes):
    """One image's pixels drawn from model (from load_model or train_model,
    or a plain Keras network of the tutorial's: create_model's, or one
    keras.models.load_model read), each from the model's distribution given
    the pixels before it, as the tutorial's pixels: levels
    (image_size * image_size, 1)."""
    if not isinstance(model, ClassModel):
        model = tutorial.adopted(model, image_size)
    if (image_size, num_classes) != (model.info.image_size, model.info.levels):
        raise UsageError(f'the model is of {model.info.image_size}x{model.info.image_size} '
                         f'images with {model.info.levels} levels, not {image_size}x'
                         f'{image_size} with {num_classes}')
    return model.sample(1).reshape(-1, 1).astype(np.uint8)


def classify(models_dir, images, dataset='mnist'):
    """The tutorial's classify: the class of each uint8 image by Bayes' rule
    over the models model_{class}.h5 in models_dir, of the data set named."""
    return BayesClassifier.from_folder(models_dir, DATASETS[dataset]).predict(images)
