"""Keras building blocks of the project."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package='pixel_rnn')
def keras2_hard_sigmoid(x):
    # Keras 2's hard_sigmoid, which the tutorial's models were trained with.
    # Keras 3's has slope 1/6 instead of 0.2 and silently loses accuracy.
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


class GRUSampler(keras.Model):
    """Draws whole images from a trained GRU model's own layers in one loop.

    Called on uniforms (images, pixels) in [0, 1); returns the levels drawn,
    each by inverse CDF from the model's distribution given the pixels before
    it. The GRU state is carried from pixel to pixel, so a pixel costs one
    step of the recurrent cell, and predict_on_batch compiles the whole loop
    into one graph."""

    def __init__(self, cell, logits_layer, channels=1, temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.logits_layer = logits_layer
        self.channels = channels
        self.temperature = temperature

    def step_inputs(self, one_hot, next_step):
        """For colour, the inputs also say which channel the next step predicts."""
        if self.channels == 1:
            return one_hot
        channel = ops.zeros((ops.shape(one_hot)[0],), dtype='int32') + next_step % self.channels
        return ops.concatenate([one_hot, ops.one_hot(channel, self.channels)], axis=-1)

    def call(self, uniforms):
        num_images, num_pixels = ops.shape(uniforms)
        num_levels = self.logits_layer.units

        def step(index, carry):
            inputs, state, pixels = carry
            output, state = self.cell(inputs, state)
            probabilities = ops.softmax(self.logits_layer(output) / self.temperature, axis=-1)
            below = ops.cumsum(probabilities, axis=-1) <= ops.take(uniforms, index, axis=1)[:, None]
            # Rounding can leave the last cumulative sum a hair below 1.
            levels = ops.minimum(ops.sum(ops.cast(below, 'int32'), axis=-1), num_levels - 1)
            pixels = ops.slice_update(pixels, [0, index], levels[:, None])
            return self.step_inputs(ops.one_hot(levels, num_levels), index + 1), state, pixels

        start = (self.step_inputs(ops.zeros((num_images, num_levels)), 0),
                 ops.zeros((num_images, self.cell.units)),
                 ops.zeros((num_images, num_pixels), dtype='int32'))
        return ops.fori_loop(0, num_pixels, step, start)[2]
