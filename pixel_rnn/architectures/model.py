"""ClassModel: one class's generative model, the protocol every architecture answers.

An architecture is a subclass of ClassModel in a file of its own, and a
line of the registry (__init__.py), which checks it at import. It holds its
ModelInfo and so knows its settings: nothing reads them off the network.
Its module imports Keras only inside the methods that build or run one.
"""
import abc
import inspect

import numpy as np

from pixel_rnn.architectures.params import Param


class ClassModel(abc.ABC):
    """A Keras network and the ModelInfo that describes and rebuilds it.

    A subclass declares SUMMARY (words for --help) and PARAMS (its
    hyper-parameters, name: Param, recorded in ModelInfo.params; those with
    help get a training flag) and answers the abstract methods."""
    SUMMARY = None
    PARAMS = None

    def __init__(self, info, network=None):
        """info's model with network (its weights loaded, say), or with a new one."""
        self.info = info
        self.network = self.build() if network is None else network
        self.compiled = None  # compile_for's run, optimizer and its variables' first values

    @classmethod
    def problem(cls, info):
        """What makes info's parameters unusable with the rest of it, or None:
        PARAMS has checked each alone already."""
        return None

    @classmethod
    @abc.abstractmethod
    def num_weights(cls, info):
        """The weights the network of info has, known before anything is allocated."""

    @abc.abstractmethod
    def build(self):
        """A new Keras network of self.info."""

    @abc.abstractmethod
    def fit(self, images, batch_size, epochs, callbacks=(), verbose='auto', initial_epoch=0):
        """Train on images of levels for epochs, going on after initial_epoch
        of them (a backup restored): Keras's History."""

    @abc.abstractmethod
    def log_likelihood(self, images, floor=None):
        """Log-probability in nats of each of images, levels (m, *info.shape):
        the sum over sub-pixels of log p(sub-pixel | those before it). With
        floor (one value per image), a sum that falls below its image's floor
        may stop there, the sum so far given in its place."""

    @abc.abstractmethod
    def log_likelihood_network(self):
        """A Keras model of the network's layers, their weights shared, that
        takes images of levels (m, *info.shape) and gives each image's
        log-probability in nats, as one graph that a loss trains through."""

    @abc.abstractmethod
    def draw(self, uniforms, temperature=1.0, verbose=0, given=None):
        """Sub-pixels of levels (images, sub-pixels) in raster order, each
        drawn by inverse CDF with its number of uniforms (images, sub-pixels)
        from the model's distribution given those before it. given (images,
        k): the first k sub-pixels, held fixed (their uniforms not used)."""

    def compile_for(self, run, optimizer, loss):
        """Compile the network to train with optimizer() and loss, for run
        (what else the training step is traced with: a schedule's length,
        say). Where it was compiled for the same run before, its optimizer
        only starts again as new instead: the step Keras traced at the first
        fit (about a second) serves again, and trains as it would anew."""
        from keras import ops
        compiled = self.compiled
        if compiled and compiled[0] == run and compiled[1] is self.network.optimizer:
            for variable, value in zip(self.network.optimizer.variables, compiled[2]):
                variable.assign(value)
            return
        self.network.compile(optimizer=optimizer(), loss=loss)
        self.network.optimizer.build(self.network.trainable_variables)
        self.compiled = (run, self.network.optimizer,
                         [ops.convert_to_numpy(variable)
                          for variable in self.network.optimizer.variables])

    def sample(self, num_images=1, seed=None, temperature=1.0, verbose=0, given=None):
        """Images of levels (num_images, *info.shape), every sub-pixel drawn by
        inverse CDF from the model's distribution given those before it
        (temperature 1.0: the model's own distribution). given (num_images,
        k): the levels of each image's first k sub-pixels in raster order,
        held fixed, so the rest is drawn given them; the random numbers of
        the rest are those the same seed gives without. verbose=1 shows a
        progress bar where sampling takes a pass per sub-pixel."""
        uniforms = np.random.default_rng(seed).random((num_images, self.info.num_subpixels))
        images = self.draw(uniforms, temperature, verbose, given)
        return np.asarray(images, dtype=np.uint8).reshape((num_images,) + self.info.shape)


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
