"""ClassModel: one class's generative model, the protocol every architecture answers.

An architecture is a subclass in a file of its own and a line of the
registry (__init__.py), which checks it at import. It holds its ModelInfo,
so its settings are never read off the network, and imports Keras only in
the methods that build or run one.

The contract is small: build() a network and, where that network is not
itself the map from images to logits, logits() through its layers. From the
logits this class derives training, the likelihood, the graph fine-tuning
trains through, and sampling with temperature (a pass per sub-pixel); an
architecture overrides one where it has a faster way (the GRU's prefix
sharing, the PixelCNN's cached sampler), tested against these.
"""
import abc
import inspect
import math

import numpy as np

from pixel_rnn.architectures.params import Param

# Up to this many images, log_likelihood pads them to this batch, not to a
# full one: the page scores one drawing at a time, and a pass of 256 padded
# images for it took seconds.
FEW = 16


class ClassModel(abc.ABC):
    """A Keras network and the ModelInfo that describes and rebuilds it.

    A subclass declares SUMMARY (words for --help) and PARAMS (its
    hyper-parameters, name: Param, recorded in ModelInfo.params; those with
    help get a training flag) and answers the abstract methods."""
    SUMMARY = None
    PARAMS = None
    RATE = 3e-3  # fit's first learning rate, decaying to zero
    OPTIMIZER = 'Adam'  # fit's, by its name in keras.optimizers
    CLIPNORM = None  # fit's bound on the gradient's norm, if any

    def __init__(self, info, network=None):
        """info's model with network (its weights loaded, say), or with a new one."""
        import keras
        self.info = info
        self.network = self.build() if network is None else network
        self.compiled = None  # compile_for's traced_with, optimizer, its variables' first values
        # Made once, here: a new Keras model is traced again by every predict
        # (some 0.2 s), and threads using the model at once cannot make two.
        images = keras.Input(shape=info.shape, dtype='int32')
        self.logits_network = keras.Model(images, self.logits(images))

    @classmethod
    def problem(cls, info):
        """What makes info's parameters unusable with the rest of it, or None:
        PARAMS has checked each alone already."""
        return None

    @classmethod
    @abc.abstractmethod
    def weight_shapes(cls, info):
        """The shape of each of the network's weights, in its order, known
        before anything is allocated (and without Keras): what a model file
        must hold."""

    @classmethod
    def num_weights(cls, info):
        return sum(math.prod(shape) for shape in cls.weight_shapes(info))

    @abc.abstractmethod
    def build(self):
        """A new Keras network of self.info."""

    def logits(self, images):
        """Logits (m, sub-pixels, levels) of images of levels (m,
        *info.shape), a symbolic int32 tensor, through the network's own
        layers: each sub-pixel's in raster order, from those before it
        alone. By default the network is that map."""
        return self.network(images)

    def fit(self, images, batch_size, epochs, callbacks=(), verbose='auto', initial_epoch=0):
        """Train on images of levels for epochs, going on after initial_epoch
        of them (a backup restored): Keras's History. Each sub-pixel's level
        is the target of its logits; the optimizer is OPTIMIZER from RATE
        decaying to zero, its gradients clipped to CLIPNORM where set.

        A high rate decaying to zero beats Adam's constant default: learning
        is faster and ends calm (GRU, digit 0, 12 epochs: loss 0.439 against
        0.481; PixelCNN, MNIST 4 and 9, 10 epochs: 0.3455 bits/dim against
        0.3631), and clipping keeps the GRU's early, large steps in bounds."""
        import keras
        steps = epochs * math.ceil(len(images) / batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(self.RATE, decay_steps=steps)
        self.compile_for(steps, lambda: getattr(keras.optimizers, self.OPTIMIZER)(
            schedule, clipnorm=self.CLIPNORM),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True), self.logits_network)
        return self.logits_network.fit(
            images.astype('int32'), images.reshape(len(images), -1).astype('int32'),
            batch_size=batch_size, epochs=epochs, callbacks=list(callbacks), verbose=verbose,
            initial_epoch=initial_epoch)

    def log_likelihood(self, images, floor=None, batch_size=256):
        """Log-probability in nats of each of images, levels (m, *info.shape):
        the sum over sub-pixels of log p(sub-pixel | those before it). floor
        (per image) lets a sum that falls below it stop there (the GRU's
        step); one pass gives every term at once here, so it is not used.
        A short batch is padded to a compiled shape: batch_size, or FEW."""
        from keras import ops
        if len(images) <= FEW:
            batch_size = FEW
        totals = []
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size]
            padded = np.zeros((batch_size,) + batch.shape[1:], 'int32')
            padded[:len(batch)] = batch
            logits = self.logits_network.predict_on_batch(padded)
            log_probs = ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))[:len(batch)]
            subpixels = batch.reshape(len(batch), -1, 1).astype(np.int64)
            totals.append(np.take_along_axis(log_probs, subpixels, axis=-1).sum(axis=(1, 2)))
        return np.concatenate(totals) if totals else np.zeros(0)

    def log_likelihood_network(self):
        """A Keras model, the network's layers and weights shared, from images of
        levels (m, *info.shape) to each one's log-probability in nats: one
        graph that fine-tuning's loss trains through."""
        import keras
        from keras import ops
        images = keras.Input(shape=self.info.shape, dtype='int32')
        one_hot = ops.one_hot(ops.reshape(images, (-1, self.info.num_subpixels)),
                              self.info.levels)
        log_probs = ops.log_softmax(self.logits(images), axis=-1)
        return keras.Model(images, ops.sum(log_probs * one_hot, axis=(1, 2)))

    def draw(self, uniforms, temperature=1.0, verbose=0, given=None):
        """Sub-pixels of levels (images, sub-pixels) in raster order, each
        drawn by inverse CDF with its number of uniforms (images, sub-pixels)
        from the model's distribution given those before it, the logits
        divided by temperature. given (images, k): the first k sub-pixels,
        held fixed (their uniforms not used). A pass per sub-pixel drawn."""
        import keras
        from keras import ops
        from pixel_rnn.architectures.layers import inverse_cdf
        subpixels = np.zeros(uniforms.shape, 'int32')
        num_given = 0 if given is None else given.shape[1]
        if num_given:
            subpixels[:, :num_given] = given
        progress = keras.utils.Progbar(uniforms.shape[1] - num_given, verbose=verbose,
                                       unit_name='sub-pixel')
        for index in range(num_given, uniforms.shape[1]):
            logits = self.logits_network.predict_on_batch(
                subpixels.reshape((-1,) + self.info.shape))[:, index]
            probabilities = ops.softmax(logits / temperature, axis=-1)
            drawn = inverse_cdf(probabilities, uniforms[:, index])
            subpixels[:, index] = ops.convert_to_numpy(drawn)
            progress.update(index + 1 - num_given)
        return subpixels

    def compile_for(self, traced_with, optimizer, loss, network=None):
        """Compile network (default: the network) to train with optimizer()
        and loss, for traced_with (a schedule's length, say). Where it was
        compiled so before, only its optimizer starts again as new: the step
        Keras traced at the first fit (about a second) serves again."""
        from keras import ops
        network = network or self.network
        compiled = self.compiled
        if compiled and compiled[0] == traced_with and compiled[1] is network.optimizer:
            for variable, value in zip(network.optimizer.variables, compiled[2]):
                variable.assign(value)
            return
        network.compile(optimizer=optimizer(), loss=loss)
        network.optimizer.build(network.trainable_variables)
        self.compiled = (traced_with, network.optimizer, [ops.convert_to_numpy(variable)
                                                  for variable in network.optimizer.variables])

    def sample(self, num_images=1, seed=None, temperature=1.0, verbose=0, given=None):
        """Images of levels (num_images, *info.shape), every sub-pixel drawn by
        inverse CDF from the model's distribution given those before it
        (temperature 1.0: the model's own). given (num_images, k): each
        image's first k sub-pixels in raster order, held fixed; the rest get
        the random numbers the same seed gives without them."""
        uniforms = np.random.default_rng(seed).random((num_images, self.info.num_subpixels))
        images = self.draw(uniforms, temperature, verbose, given)
        return np.asarray(images, dtype=np.uint8).reshape((num_images,) + self.info.shape)

    def predict(self, inputs, **options):
        """The network's own predict, as the tutorial's code calls a model's."""
        return self.network.predict(inputs, **options)

    def complete(self, levels, given_rows, num_completions, seed=None, temperature=1.0,
                 verbose=0):
        """num_completions of each image of levels (m, *info.shape): its first
        given_rows rows kept, every other sub-pixel drawn from the model
        given all before it. (m, num_completions, *info.shape)."""
        given = np.repeat(levels.reshape(len(levels), -1), num_completions, axis=0)
        row = self.info.image_size * self.info.colours
        completions = self.sample(len(given), seed, temperature, verbose,
                                  given[:, :given_rows * row])
        return completions.reshape((len(levels), num_completions) + self.info.shape)


def checked(registry):
    """registry (name: architecture), after checking that each is a
    ClassModel answering every call, with its SUMMARY and PARAMS: a TypeError
    as the package is imported, not a failure midway through a run."""
    for name, architecture in registry.items():
        if not (inspect.isclass(architecture) and issubclass(architecture, ClassModel)):
            raise TypeError(f'architecture {name}: {architecture!r} is not a ClassModel')
        if inspect.isabstract(architecture):
            missing = ', '.join(sorted(architecture.__abstractmethods__))
            raise TypeError(f'architecture {name} does not answer {missing}')
        if not isinstance(architecture.SUMMARY, str):
            raise TypeError(f'architecture {name} has no SUMMARY')
        params = architecture.PARAMS
        if not isinstance(params, dict) or not all(
                isinstance(key, str) and key.isidentifier() and isinstance(param, Param)
                for key, param in params.items()):
            raise TypeError(f'architecture {name}: PARAMS is not a dict of names to Params')
        for key, param in params.items():
            if not param.allows(param.default):
                raise TypeError(f'architecture {name}: the default of {key} is not '
                                f'{param.allowed}')
    return registry
