"""The architectures, and ClassModel: a Keras network and the description that rebuilds it.

The architecture is chosen here, once, from the description; everything
above calls ClassModel's methods and never asks which architecture it has.
An architecture is one module of this package, imported without Keras, that
declares SUMMARY (words for --help) and PARAMS (its hyper-parameters as
params.Param, with their defaults, bounds and flags) and answers
problem(info) (what is wrong with its parameters together with the rest of
a ModelInfo, or None), create, num_weights, fit, log_likelihood and sample.
"""
from importlib import import_module

import numpy as np

# The registry: a new architecture is its module and one line here.
ARCHITECTURES = {
    'gru': import_module('pixel_rnn.architectures.gru'),
    'pixelcnn': import_module('pixel_rnn.architectures.pixelcnn'),
}


class ClassModel:
    """One class's generative model: every architecture answers these calls."""

    def __init__(self, network, info):
        self.network = network
        self.info = info
        self.architecture = ARCHITECTURES[info.arch]

    @classmethod
    def create(cls, info):
        return cls(ARCHITECTURES[info.arch].create(info), info)

    def fit(self, images, batch_size, epochs, callbacks=(), verbose='auto', initial_epoch=0):
        """Train on images of levels for epochs, going on after initial_epoch
        of them (a backup restored): Keras's History."""
        return self.architecture.fit(self.network, images, batch_size, epochs, callbacks, verbose,
                                     initial_epoch)

    def log_likelihood(self, images, floor=None):
        """Log-probability in nats of each of images, levels (m, *info.shape):
        the sum over sub-pixels of log p(sub-pixel | those before it). With
        floor (one value per image), a sum that falls below its image's floor
        may stop there, the sum so far given in its place."""
        return self.architecture.log_likelihood(self.network, images, floor)

    def sample(self, num_images=1, seed=None, temperature=1.0, verbose=0, given=None):
        """Images of levels (num_images, *info.shape), every sub-pixel drawn by
        inverse CDF from the model's distribution given those before it
        (temperature 1.0: the model's own distribution). given (num_images,
        k): the levels of each image's first k sub-pixels in raster order,
        held fixed, so the rest is drawn given them; the random numbers of
        the rest are those the same seed gives without. verbose=1 shows a
        progress bar where sampling takes a pass per sub-pixel."""
        uniforms = np.random.default_rng(seed).random((num_images, self.info.num_subpixels))
        images = self.architecture.sample(self.network, uniforms, self.info.image_size,
                                          temperature, verbose, given)
        return images.reshape((num_images,) + self.info.shape)
