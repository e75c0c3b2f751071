"""The GRU architecture: the tutorial's recurrent net over the sequence of sub-pixels.

An image of levels is read in raster order (colour: red, green, blue within a
pixel) as one-hot sub-pixels after an all-zero start vector; at every step the
GRU predicts the distribution of the next sub-pixel. For colour each input
step also carries a one-hot of the colour the step predicts.

GRU, the registry's ClassModel of it, answers every call from its ModelInfo.
"""
import threading

import numpy as np

from pixel_rnn import defaults
from pixel_rnn.architectures.model import FEW, ClassModel
from pixel_rnn.architectures.params import Param

# Hyper-parameters a model file records: defaults of new models, and bounds
# generous for real models yet small enough that no file asks for absurd memory.
PARAMS = {
    'units': Param(defaults.units, low=1, high=4096, help='units of its state'),
    'reset_after': Param(True),
    'recurrent_activation': Param('sigmoid',
                                  choices=('sigmoid', 'hard_sigmoid', 'keras2_hard_sigmoid')),
}
# Rows per compiled step in log_likelihood: the largest batch shape, and the smallest.
CHUNK, MIN_CHUNK = 2048, 256


def create_model(levels, units=PARAMS['units'].default,
                 reset_after=PARAMS['reset_after'].default,
                 recurrent_activation=PARAMS['recurrent_activation'].default, colours=1):
    """GRU -> Dense -> softmax over the levels at every step."""
    import keras
    from pixel_rnn.architectures.layers import keras2_hard_sigmoid
    inputs = keras.Input(shape=(None, levels + colour_width(colours)))
    if recurrent_activation == 'keras2_hard_sigmoid':
        recurrent_activation = keras2_hard_sigmoid
    hidden = keras.layers.GRU(units, return_sequences=True, reset_after=reset_after,
                              recurrent_activation=recurrent_activation, name='gru')(inputs)
    logits = keras.layers.Dense(levels, name='logits')(hidden)
    probabilities = keras.layers.Softmax(name='probabilities')(logits)
    return keras.Model(inputs, probabilities)


# ---------------------------------------------------------------- sequences

def colour_width(colours):
    return colours if colours > 1 else 0


def next_colours(steps, colours):
    """One-hot (len(steps), colours) of the colour each step predicts: in
    raster order with R, G, B within a pixel, sub-pixel s is of colour
    s % colours. Width 0 for grey."""
    return np.eye(colours, dtype=np.float32)[np.asarray(steps) % colours][
        :, :colour_width(colours)]


def step_inputs(subpixels, step, levels, colours):
    """Inputs (m, levels [+ colours]) after subpixels (m,), or after the
    all-zero start vector for subpixels None with m = 1, when step comes next."""
    one_hot = (np.eye(levels, dtype=np.float32)[subpixels] if subpixels is not None
               else np.zeros((1, levels), dtype=np.float32))
    if colours == 1:
        return one_hot
    next_colour = np.repeat(next_colours([step], colours), len(one_hot), axis=0)
    return np.concatenate([one_hot, next_colour], axis=1)


def to_sequences(images, levels, colours=1):
    """Images of levels (m, h, w[, colours]) -> one-hot sub-pixels in raster
    order after an all-zero start vector: (m, sub-pixels + 1, levels [+ colours])."""
    subpixels = images.reshape(len(images), -1)
    one_hot = np.eye(levels, dtype=np.float32)[subpixels]
    start = np.zeros((len(images), 1, levels), dtype=np.float32)
    sequences = np.concatenate([start, one_hot], axis=1)
    next_colour = next_colours(np.arange(sequences.shape[1]), colours)
    return np.concatenate(
        [sequences, np.broadcast_to(next_colour, (len(images),) + next_colour.shape)], axis=-1)


def predict_in_chunks(step, inputs, state):
    """step.predict_on_batch over rows in chunks of CHUNK, the last one padded
    to a power of two: a few batch shapes to compile, whatever the rows, and
    chunks small enough that a step's activations stay in cache."""
    from keras import ops
    results = []
    for start in range(0, len(inputs), CHUNK):
        rows = min(CHUNK, len(inputs) - start)
        padded = max(MIN_CHUNK, 1 << (rows - 1).bit_length())
        chunk = [part[start:start + rows] if rows == padded else
                 np.pad(part[start:start + rows], ((0, padded - rows), (0, 0)))
                 for part in (inputs, state)]
        results.append([ops.convert_to_numpy(part)[:rows]
                        for part in step.predict_on_batch(chunk)])
    if len(results) == 1:
        return results[0]
    return [np.concatenate(parts) for parts in zip(*results)]


# The step log_likelihood runs, one for all GRUs of a shape, each model's
# weights set into it in turn: its compiled batch shapes serve every class of
# a set. XLA fuses the gates: a third faster (BENCHMARKS.md), within 2e-5 of
# Keras's own pass. A thread holds the step's lock from setting its weights to
# its last step, for weights set in between would silently change its sums.
STEPS = {}
STEPS_LOCK = threading.Lock()


def shared_step(info):
    """The step for GRUs of info's shape (levels, colours, parameters)."""
    from pixel_rnn.architectures.layers import GRUStep
    key = (info.levels, info.colours, tuple(sorted(info.params.items())))
    with STEPS_LOCK:
        if key not in STEPS:
            network = create_model(info.levels, colours=info.colours, **info.params)
            STEPS[key] = GRUStep(network.get_layer('gru').cell, network.get_layer('logits'))
            STEPS[key].compile(jit_compile=True)
        return STEPS[key]


class GRU(ClassModel):
    SUMMARY = 'a GRU over the sub-pixels'
    PARAMS = PARAMS
    CLIPNORM = 1.0

    @classmethod
    def weight_shapes(cls, info):
        units, inputs = info.params['units'], info.levels + colour_width(info.colours)
        bias = (2, 3 * units) if info.params['reset_after'] else (3 * units,)
        return [(inputs, 3 * units), (units, 3 * units), bias, (units, info.levels),
                (info.levels,)]

    def build(self):
        return create_model(self.info.levels, colours=self.info.colours, **self.info.params)

    def logits(self, images):
        """Step s reads sub-pixel s - 1 (the all-zero start vector for s = 0)
        and predicts s."""
        from keras import ops
        levels, num_subpixels = self.info.levels, self.info.num_subpixels
        one_hot = ops.one_hot(ops.reshape(images, (-1, num_subpixels)), levels)
        inputs = ops.concatenate([ops.zeros_like(one_hot[:, :1]), one_hot[:, :-1]], axis=1)
        if self.info.colours > 1:
            next_colour = next_colours(np.arange(num_subpixels), self.info.colours)
            inputs = ops.concatenate(
                [inputs, ops.zeros_like(inputs[..., :self.info.colours]) + next_colour], axis=-1)
        return self.network.get_layer('logits')(self.network.get_layer('gru')(inputs))

    def log_likelihood(self, images, floor=None):
        """Up to FEW images (the page's drawing) in one pass of the whole
        network: ten classes in 0.5-0.6 s against 9-14 s by the step. More,
        the step one sub-pixel at a time over all images at once, once per
        distinct prefix: images that begin alike (blank top rows) share its
        state. Memory stays at one state per image.

        With floor, an image whose running sum falls below its floor is left
        there (log-probabilities only subtract), the sum so far its total."""
        if not len(images):
            return np.zeros(0)
        if len(images) <= FEW:
            return super().log_likelihood(images)
        subpixels = images.reshape(len(images), -1).astype(np.int64)
        step = shared_step(self.info)
        levels, colours = self.info.levels, self.info.colours
        active = np.arange(len(subpixels))  # the images still summed
        prefix_ids = np.zeros(len(subpixels), dtype=np.int64)  # all begin with the empty prefix
        inputs = step_inputs(None, 0, levels, colours)
        state = np.zeros((1, self.info.params['units']), dtype=np.float32)
        totals = np.zeros(len(subpixels))
        with step.lock:  # from its weights set to its last step: see STEPS
            step.set_weights(self.network.get_weights())
            for index in range(subpixels.shape[1]):
                log_probs, state = predict_in_chunks(step, inputs, state)
                totals[active] += log_probs[prefix_ids, subpixels[active, index]]
                if floor is not None:
                    above = totals[active] >= floor[active]
                    active, prefix_ids = active[above], prefix_ids[above]
                    if not len(active):
                        break
                extended, prefix_ids = np.unique(prefix_ids * levels + subpixels[active, index],
                                                 return_inverse=True)
                parents = extended // levels
                if len(parents) != len(state) or (parents != np.arange(len(state))).any():
                    state = state[parents]  # else each prefix goes on alone: the states as they are
                inputs = step_inputs(extended % levels, index + 1, levels, colours)
        return totals

    def draw(self, uniforms, temperature=1.0, verbose=0, given=None):
        """All images in one compiled loop that carries the GRU state; the
        state runs through given sub-pixels as through drawn ones."""
        from keras import ops
        from pixel_rnn.architectures.layers import GRUSampler
        sampler = GRUSampler(self.network.get_layer('gru').cell,
                             self.network.get_layer('logits'), self.info.colours, temperature)
        fixed = np.full(uniforms.shape, -1, dtype=np.int32)
        if given is not None:
            fixed[:, :given.shape[1]] = given
        subpixels = sampler.predict_on_batch([uniforms.astype(np.float32), fixed])
        return ops.convert_to_numpy(subpixels).astype(np.uint8)
