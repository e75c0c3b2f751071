"""Keras building blocks of the project."""
import threading

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package='pixel_rnn')
def keras2_hard_sigmoid(x):
    # Keras 2's hard_sigmoid, which the tutorial's models were trained with.
    # Keras 3's has slope 1/6 instead of 0.2 and silently loses accuracy.
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def inverse_cdf(probabilities, uniforms):
    """Inverse CDF, one draw from each distribution: the level (rows,) at which
    each row of probabilities (rows, levels) first sums to more than its
    uniform in [0, 1) of uniforms (rows,). Tensors or NumPy arrays alike."""
    below = ops.less_equal(ops.cumsum(probabilities, axis=-1), ops.expand_dims(uniforms, -1))
    # Rounding can leave the last cumulative sum a hair below 1.
    return ops.minimum(ops.sum(ops.cast(below, 'int32'), axis=-1),
                       ops.shape(probabilities)[-1] - 1)


class GRUSampler(keras.Model):
    """Draws whole images from a trained GRU model's own layers in one loop.

    Called on (uniforms, given): uniforms (images, sub-pixels) in [0, 1),
    given (images, sub-pixels) the levels held fixed, -1 where a sub-pixel
    is drawn. Returns the sub-pixels, each drawn one by inverse CDF from the
    model's distribution given those before it. The GRU state is carried
    from sub-pixel to sub-pixel, given or drawn, so a sub-pixel costs one
    step of the recurrent cell, and predict_on_batch compiles the whole loop
    into one graph."""

    def __init__(self, cell, logits_layer, colours=1, temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.logits_layer = logits_layer
        self.colours = colours
        self.temperature = temperature

    def step_inputs(self, one_hot, next_step):
        """For colour, the inputs also say which colour the next step predicts."""
        if self.colours == 1:
            return one_hot
        colour = ops.zeros((ops.shape(one_hot)[0],), dtype='int32') + next_step % self.colours
        return ops.concatenate([one_hot, ops.one_hot(colour, self.colours)], axis=-1)

    def call(self, inputs):
        uniforms, given = inputs
        num_images, num_subpixels = ops.shape(uniforms)
        levels = self.logits_layer.units

        def step(index, carry):
            inputs, state, subpixels = carry
            output, state = self.cell(inputs, state)
            probabilities = ops.softmax(self.logits_layer(output) / self.temperature, axis=-1)
            drawn = inverse_cdf(probabilities, ops.take(uniforms, index, axis=1))
            fixed = ops.take(given, index, axis=1)
            subpixel = ops.where(fixed >= 0, fixed, drawn)
            subpixels = ops.slice_update(subpixels, [0, index], subpixel[:, None])
            return self.step_inputs(ops.one_hot(subpixel, levels), index + 1), state, subpixels

        start = (self.step_inputs(ops.zeros((num_images, levels)), 0),
                 ops.zeros((num_images, self.cell.units)),
                 ops.zeros((num_images, num_subpixels), dtype='int32'))
        return ops.fori_loop(0, num_subpixels, step, start)[2]


class GRUStep(keras.Model):
    """One step of a trained GRU model's own layers: called on (inputs,
    states), returns (log-probabilities of the next sub-pixel, new states).
    predict_on_batch compiles it, once per batch shape. Its lock is for
    those who share it and set their weights into it: one at a time."""

    def __init__(self, cell, logits_layer, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.logits_layer = logits_layer
        self.lock = threading.Lock()

    def call(self, inputs):
        output, state = self.cell(*inputs)
        return ops.log_softmax(self.logits_layer(output), axis=-1), state


def causal_mask(kernel_shape, mask_type, colours=1):
    """Mask for a (height, width, inputs, outputs) kernel so that each output
    sees only (sub)pixels before the one it predicts: the rows above, the
    pixels to the left and, at the centre, the colour groups of the PixelRNN
    paper. Channels are split into colours in contiguous blocks (R, G, B);
    at the centre an output of colour c sees input colours below c (mask A)
    or up to c (mask B). For grey, A hides the centre and B lets it through."""
    height, width, num_inputs, num_outputs = kernel_shape
    mask = np.zeros(kernel_shape, dtype='float32')
    mask[:height // 2] = 1
    mask[height // 2, :width // 2] = 1
    input_colour = np.arange(num_inputs) * colours // num_inputs
    output_colour = np.arange(num_outputs) * colours // num_outputs
    if mask_type == 'A':
        mask[height // 2, width // 2] = output_colour[None, :] > input_colour[:, None]
    else:
        mask[height // 2, width // 2] = output_colour[None, :] >= input_colour[:, None]
    return mask


@keras.saving.register_keras_serializable(package='pixel_rnn')
class MaskedConv2D(keras.layers.Conv2D):
    """A 'same'-padded Conv2D whose kernel is multiplied by a causal mask
    (mask_type 'A' or 'B', see causal_mask) in every call; the weights
    themselves are never overwritten, so training cannot leak through them."""

    def __init__(self, mask_type, colours=1, **kwargs):
        if mask_type not in ('A', 'B'):
            raise ValueError(f'mask_type must be A or B, not {mask_type!r}')
        kwargs['padding'] = 'same'
        super().__init__(**kwargs)
        self.mask_type = mask_type
        self.colours = colours

    def build(self, input_shape):
        super().build(input_shape)
        self.mask = causal_mask(tuple(self.kernel.shape), self.mask_type, self.colours)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)

    def get_config(self):
        return {**super().get_config(), 'mask_type': self.mask_type, 'colours': self.colours}


@keras.saving.register_keras_serializable(package='pixel_rnn')
class SubpixelSoftmax(keras.layers.Layer):
    """Logits (..., colours * levels) -> probabilities (..., colours, levels),
    a softmax over the levels of each sub-pixel."""

    def __init__(self, colours=1, **kwargs):
        super().__init__(**kwargs)
        self.colours = colours

    def call(self, logits):
        shape = ops.shape(logits)
        grouped = ops.reshape(logits, tuple(shape[:-1]) + (self.colours, shape[-1] // self.colours))
        return ops.softmax(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        levels = None if input_shape[-1] is None else input_shape[-1] // self.colours
        return tuple(input_shape[:-1]) + (self.colours, levels)

    def get_config(self):
        return {**super().get_config(), 'colours': self.colours}
