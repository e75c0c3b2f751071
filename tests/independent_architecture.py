"""A third architecture, as a contributor would add one: this file and a line
in the registry (tests/test_architectures.py adds the line). Every sub-pixel
is drawn on its own from a distribution of its position, whatever came
before it; its own hyper-parameter, smoothing, is a float the training flag
--smoothing sets."""
import numpy as np

from pixel_rnn.architectures.model import ClassModel
from pixel_rnn.architectures.params import Param


class Independent(ClassModel):
    SUMMARY = 'each sub-pixel alone'
    PARAMS = {'smoothing': Param(0.0, low=0.0, high=0.5, help='label smoothing of training')}

    @classmethod
    def num_weights(cls, info):
        return info.num_subpixels * info.levels

    def build(self):
        import keras
        from keras import ops
        images = keras.Input(shape=self.info.shape, dtype='int32')
        positions = ops.zeros_like(ops.reshape(images, (-1, self.info.num_subpixels))) \
            + ops.arange(self.info.num_subpixels, dtype='int32')
        logits = keras.layers.Embedding(self.info.num_subpixels, self.info.levels,
                                        name='logits')(positions)
        return keras.Model(images, logits)

    def fit(self, images, batch_size, epochs, callbacks=(), verbose='auto', initial_epoch=0):
        import keras
        targets = np.eye(self.info.levels, dtype='float32')[images.reshape(len(images), -1)]
        self.compile_for(None, lambda: keras.optimizers.Adam(0.05),
                         loss=keras.losses.CategoricalCrossentropy(
                             from_logits=True, label_smoothing=self.info.params['smoothing']))
        return self.network.fit(images.astype('int32'), targets, batch_size=batch_size,
                                epochs=epochs, callbacks=list(callbacks), verbose=verbose,
                                initial_epoch=initial_epoch)

    def log_probabilities(self):
        """Each position's log-probabilities (sub-pixels, levels)."""
        from keras import ops
        logits = self.network.predict_on_batch(np.zeros((1,) + self.info.shape, 'int32'))[0]
        return ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))

    def log_likelihood(self, images, floor=None):
        own = np.take_along_axis(self.log_probabilities()[None],
                                 images.reshape(len(images), -1, 1).astype(np.int64), axis=-1)
        return own.sum(axis=(1, 2)).astype(np.float64)

    def log_likelihood_network(self):
        import keras
        from keras import ops
        images = keras.Input(shape=self.info.shape, dtype='int32')
        one_hot = ops.one_hot(ops.reshape(images, (-1, self.info.num_subpixels)),
                              self.info.levels)
        log_probs = ops.log_softmax(self.network(images), axis=-1)
        return keras.Model(images, ops.sum(log_probs * one_hot, axis=(1, 2)))

    def draw(self, uniforms, temperature=1.0, verbose=0, given=None):
        from pixel_rnn.architectures.layers import draw
        tempered = np.exp(self.log_probabilities() / temperature)
        probabilities = tempered / tempered.sum(axis=-1, keepdims=True)
        subpixels = np.stack([draw(np.repeat(probabilities[[index]], len(uniforms), axis=0),
                                   uniforms[:, index]) for index in range(uniforms.shape[1])],
                             axis=1)
        subpixels = np.asarray(subpixels, dtype=np.uint8)
        if given is not None:
            subpixels[:, :given.shape[1]] = given
        return subpixels
