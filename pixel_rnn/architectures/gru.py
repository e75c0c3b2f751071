"""The GRU architecture: the tutorial's recurrent net over the sequence of sub-pixels.

An image of levels is read in raster order (colour: red, green, blue within a
pixel) as one-hot sub-pixels after an all-zero start vector; at every step the
GRU predicts the distribution of the next sub-pixel. For colour each input
step also carries a one-hot of the channel the step predicts.

Like pixelcnn.py, this module answers the calls every architecture answers:
create, num_weights, fit, log_likelihood, sample.
"""
import math

import keras
import numpy as np
from keras import ops

import config
from pixel_rnn.architectures.layers import GRUSampler, GRUStep, keras2_hard_sigmoid

# Hyper-parameters a model file records, with the defaults of new models.
PARAMS = config.ARCH_PARAMS['gru']
RECURRENT_ACTIVATIONS = {'sigmoid': 'sigmoid', 'hard_sigmoid': 'hard_sigmoid',
                         'keras2_hard_sigmoid': keras2_hard_sigmoid}
# Rows per compiled step in log_likelihood: the largest batch shape, and the smallest.
CHUNK, MIN_CHUNK = 2048, 64


def create_model(one_hot_len, units=config.units, reset_after=True,
                 recurrent_activation='sigmoid', channels=1):
    """GRU -> Dense -> softmax over one_hot_len levels at every step."""
    inputs = keras.Input(shape=(None, one_hot_len + channel_width(channels)))
    hidden = keras.layers.GRU(units, return_sequences=True, reset_after=reset_after,
                              recurrent_activation=RECURRENT_ACTIVATIONS.get(
                                  recurrent_activation, recurrent_activation),
                              name='gru')(inputs)
    logits = keras.layers.Dense(one_hot_len, name='logits')(hidden)
    probabilities = keras.layers.Softmax(name='probabilities')(logits)
    return keras.Model(inputs, probabilities)


def create(info):
    return create_model(info.levels, channels=info.colours, **info.params)


def num_weights(info):
    """Parameters create(info) makes, known before anything is allocated."""
    units, inputs = info.params['units'], info.levels + channel_width(info.colours)
    biases = 2 if info.params['reset_after'] else 1
    return 3 * units * (inputs + units + biases) + (units + 1) * info.levels


# ---------------------------------------------------------------- sequences

def channel_width(channels):
    return channels if channels > 1 else 0


def channels(model):
    """1 for a grey model, 3 for colour: a colour GRU's input also says which
    channel comes next."""
    return model.input_shape[-1] - model.output_shape[-1] or 1


def next_channels(steps, channels):
    """One-hot (len(steps), channels) of the channel each step predicts: in
    raster order with R, G, B within a pixel, sub-pixel s is of channel
    s % channels. Width 0 for grey."""
    return np.eye(channels, dtype=np.float32)[np.asarray(steps) % channels][
        :, :channel_width(channels)]


def step_inputs(levels, step, num_levels, channels):
    """Inputs (m, num_levels [+ channels]) after sub-pixels levels (m,), or after
    the all-zero start vector for levels None with m = 1, when step comes next."""
    one_hot = (np.eye(num_levels, dtype=np.float32)[levels] if levels is not None
               else np.zeros((1, num_levels), dtype=np.float32))
    next_channel = np.repeat(next_channels([step], channels), len(one_hot), axis=0)
    return np.concatenate([one_hot, next_channel], axis=1)


def to_sequences(levels, num_levels, channels=1):
    """Levels (m, h, w[, channels]) -> one-hot sub-pixels in raster order after
    an all-zero start vector: (m, sub-pixels + 1, num_levels [+ channels])."""
    subpixels = levels.reshape(len(levels), -1)
    one_hot = np.eye(num_levels, dtype=np.float32)[subpixels]
    start = np.zeros((len(levels), 1, num_levels), dtype=np.float32)
    sequences = np.concatenate([start, one_hot], axis=1)
    next_channel = next_channels(np.arange(sequences.shape[1]), channels)
    return np.concatenate(
        [sequences, np.broadcast_to(next_channel, (len(levels),) + next_channel.shape)], axis=-1)


def next_pixel_targets(xs, num_levels):
    """Each step's target is the next input's level; the last step's is an all-zero sentinel."""
    levels = xs[..., :num_levels]
    return np.concatenate([levels[:, 1:], np.zeros_like(levels[:, :1])], axis=1)


# ---------------------------------------------------------------- training

def fit(model, levels, batch_size, epochs, callbacks=(), verbose='auto'):
    """Train model on levels (m, h, w[, channels]); returns Keras's History.

    At Adam's constant default rate the GRU learns slowly and now and then
    blows up late in training. A higher rate decaying to zero learns faster
    and ends calm (digit 0, 12 epochs: loss 0.439 against 0.481), and
    clipping keeps the early, large steps in bounds."""
    num_levels = model.output_shape[-1]
    xs = to_sequences(levels, num_levels, channels(model))
    steps = epochs * math.ceil(len(xs) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
                  loss='categorical_crossentropy')
    return model.fit(xs, next_pixel_targets(xs, num_levels), batch_size=batch_size,
                     epochs=epochs, verbose=verbose, callbacks=list(callbacks))


# ---------------------------------------------------------------- likelihood and sampling

def log_likelihood(model, levels, floor=None):
    """Log-probability in nats of each image of levels (m, h, w[, colours]).

    Runs the GRU one pixel at a time over all images at once, and once per
    distinct prefix: images that begin alike (blank top rows, most of them)
    share the state of their common beginning. Memory stays at one state
    per image, whatever the image size.

    With floor (one value per image), an image whose running sum falls below
    its floor is left there: log-probabilities only subtract, so its total
    would end lower still, and the sum so far is returned in its place."""
    pixels = levels.reshape(len(levels), -1).astype(np.int64)
    step = GRUStep(model.get_layer('gru').cell, model.get_layer('logits'))
    num_levels, colours = model.output_shape[-1], channels(model)
    active = np.arange(len(pixels))  # the images still summed
    prefix_ids = np.zeros(len(pixels), dtype=np.int64)  # all begin with the empty prefix
    inputs = step_inputs(None, 0, num_levels, colours)
    state = np.zeros((1, model.get_layer('gru').cell.units), dtype=np.float32)
    totals = np.zeros(len(pixels))
    for index in range(pixels.shape[1]):
        log_probs, state = predict_in_chunks(step, inputs, state)
        totals[active] += log_probs[prefix_ids, pixels[active, index]]
        if floor is not None:
            above = totals[active] >= floor[active]
            active, prefix_ids = active[above], prefix_ids[above]
            if not len(active):
                break
        extended, prefix_ids = np.unique(prefix_ids * num_levels + pixels[active, index],
                                         return_inverse=True)
        state = state[extended // num_levels]
        inputs = step_inputs(extended % num_levels, index + 1, num_levels, colours)
    return totals


def predict_in_chunks(step, inputs, state):
    """step.predict_on_batch over rows in chunks of CHUNK, the last one padded
    to a power of two: a few batch shapes to compile, whatever the rows, and
    chunks small enough that a step's activations stay in cache."""
    results = []
    for start in range(0, len(inputs), CHUNK):
        rows = min(CHUNK, len(inputs) - start)
        padded = max(MIN_CHUNK, 1 << (rows - 1).bit_length())
        chunk = [np.pad(part[start:start + rows], ((0, padded - rows), (0, 0)))
                 for part in (inputs, state)]
        results.append([ops.convert_to_numpy(part)[:rows]
                        for part in step.predict_on_batch(chunk)])
    return [np.concatenate(parts) for parts in zip(*results)]


def sample(model, uniforms, image_size=None, temperature=1.0, verbose=0, given=None):
    """Levels (images, sub-pixels) drawn by inverse CDF from uniforms (images,
    sub-pixels), all images in one compiled loop that carries the GRU state.
    given (images, k): the levels of the first k sub-pixels, held fixed (the
    state runs through them as through drawn ones); their uniforms are not used."""
    sampler = GRUSampler(model.get_layer('gru').cell, model.get_layer('logits'),
                         channels(model), temperature)
    fixed = np.full(uniforms.shape, -1, dtype=np.int32)
    if given is not None:
        fixed[:, :given.shape[1]] = given
    pixels = sampler.predict_on_batch([uniforms.astype(np.float32), fixed])
    return ops.convert_to_numpy(pixels).astype(np.uint8)



def log_likelihood_network(network, shape):
    """A Keras model of network's layers that takes images of levels (m,
    *shape) and gives each image's log-probability in nats, as one graph
    that a loss can train through: the sum over sub-pixels of the
    log-softmax of the logits at the sub-pixel's level."""
    num_levels, colours = network.output_shape[-1], channels(network)
    levels = keras.Input(shape=shape, dtype='int32')
    one_hot = ops.one_hot(ops.reshape(levels, (-1, math.prod(shape))), num_levels)
    # Step s reads sub-pixel s - 1 (the all-zero start vector for s = 0) and predicts s.
    inputs = ops.concatenate([ops.zeros_like(one_hot[:, :1]), one_hot[:, :-1]], axis=1)
    if colours > 1:
        next_channel = next_channels(np.arange(math.prod(shape)), colours)
        inputs = ops.concatenate([inputs, ops.zeros_like(inputs[..., :colours]) + next_channel],
                                 axis=-1)
    logits = network.get_layer('logits')(network.get_layer('gru')(inputs))
    return keras.Model(levels, ops.sum(ops.log_softmax(logits, axis=-1) * one_hot, axis=(1, 2)))
