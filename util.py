"""Generative image models: preprocessing, training, sampling, classification.

An image is shrunk, quantized to a few intensity levels and read row by row
(colour: red, green, blue within a pixel) as a sequence of one-hot sub-pixels
after an all-zero start vector. The model predicts at every step the
distribution of the next sub-pixel, so an image's likelihood is the product of
the probabilities it gives to its actual sub-pixels; we sum their logs.
A model is a GRU over that sequence (the default) or a PixelCNN (pixelcnn.py)
over the image of levels; the functions here take either.
"""
import json
import logging
import math
import os

import h5py
import keras
import numpy as np
from keras import ops
from skimage import transform
from skimage.util import img_as_ubyte

import config
import pixelcnn
from cli import UsageError
from layers import GRUSampler, keras2_hard_sigmoid

# Keras logs a warning on every .h5 save; .h5 is the format this project keeps.
logging.getLogger('absl').setLevel(logging.ERROR)


def create_model(one_hot_len, units=config.units, reset_after=True,
                 recurrent_activation='sigmoid', channels=1):
    """GRU -> Dense -> softmax over one_hot_len levels at every step. For colour
    each input step also carries which channel the step predicts."""
    inputs = keras.Input(shape=(None, one_hot_len + channel_width(channels)))
    hidden = keras.layers.GRU(units, return_sequences=True, reset_after=reset_after,
                              recurrent_activation=recurrent_activation, name='gru')(inputs)
    logits = keras.layers.Dense(one_hot_len, name='logits')(hidden)
    probabilities = keras.layers.Softmax(name='probabilities')(logits)
    return keras.Model(inputs, probabilities)


# ---------------------------------------------------------------- preprocessing

def shrink(im, size):
    return img_as_ubyte(transform.resize(im, (size, size)))


def shrink_all(x, size):
    return np.array([shrink(im, size) for im in x])


def quantize(images, size=config.target_size, factor=config.factor):
    """uint8 images (m, h, w[, channels]) -> intensity levels (m, size, size[, channels])."""
    return np.round(shrink_all(images, size) / factor).astype(np.uint8)


def channel_width(channels):
    return channels if channels > 1 else 0


def model_channels(model):
    """1 for a grey model, 3 for colour."""
    if pixelcnn.is_pixelcnn(model):
        return pixelcnn.colours(model)
    # A colour GRU's input also says which channel comes next.
    return model.input_shape[-1] - model.output_shape[-1] or 1


def model_levels(model):
    return (pixelcnn.num_levels(model) if pixelcnn.is_pixelcnn(model)
            else model.output_shape[-1])


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


def pre_process(images, size=config.target_size, factor=config.factor,
                num_levels=config.num_classes):
    """uint8 images (m, h, w[, channels]) -> one-hot sequences for training."""
    channels = images.shape[3] if images.ndim == 4 else 1
    return to_sequences(quantize(images, size, factor), num_levels, channels)


# ---------------------------------------------------------------- training

def next_pixel_targets(xs, num_levels):
    """Each step's target is the next input's level; the last step's is an all-zero sentinel."""
    levels = xs[..., :num_levels]
    return np.concatenate([levels[:, 1:], np.zeros_like(levels[:, :1])], axis=1)


def train_class_models(dataset, labels, models_dir, num_images, skip=0,
                       settings=config.MNIST, batch_size=config.batch_size,
                       epochs=config.epochs, arch='gru', filters=config.pixelcnn_filters,
                       depth=config.pixelcnn_depth, head='softmax', logdir=None):
    """Train one model per label (a position in dataset.class_names) on up to
    num_images of its training images, after the first skip. Each epoch that
    lowers the training loss saves its model (atomically); logdir, if given,
    gets TensorBoard logs."""
    for label in labels:
        name = dataset.class_names[label]
        in_class = dataset.y_train == label
        images = dataset.x_train[in_class][skip:skip + num_images]
        if len(images) == 0:
            raise UsageError(f'no training images of class {name} (after skipping {skip})')
        print(f'Training {name} on {len(images)} images for {epochs} epochs')
        path = model_path(models_dir, name)
        callbacks = [BestModelCheckpoint(path, class_frequency=in_class.mean())]
        if logdir:
            callbacks.append(keras.callbacks.TensorBoard(os.path.join(logdir, name)))
        levels = quantize(images, settings.target_size, settings.factor)
        if arch == 'pixelcnn':
            pixelcnn.fit(levels, settings.num_classes, filters, depth, head,
                         batch_size=batch_size, epochs=epochs, callbacks=callbacks)
        else:
            channels = images.shape[3] if images.ndim == 4 else 1
            train_model(to_sequences(levels, settings.num_classes, channels),
                        settings.num_classes, batch_size=batch_size, epochs=epochs,
                        callbacks=callbacks)
        print(f'Saved {path}')


class BestModelCheckpoint(keras.callbacks.Callback):
    """Saves the model, whole or not at all, after each epoch that lowers the
    training loss, so an interrupted run keeps its best epoch so far."""

    def __init__(self, path, class_frequency=None):
        super().__init__()
        self.path = path
        self.class_frequency = class_frequency
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get('loss', np.nan)
        if loss < self.best:
            self.best = loss
            save_model(self.model, self.path, self.class_frequency)


def train_model(xs, num_classes, batch_size=config.batch_size, epochs=config.epochs,
                verbose='auto', callbacks=()):
    model = create_model(num_classes, channels=xs.shape[-1] - num_classes or 1)
    # At Adam's constant default rate the GRU learns slowly and now and then
    # blows up late in training. A higher rate decaying to zero learns faster
    # and ends calm (digit 0, 12 epochs: loss 0.439 against 0.481), and
    # clipping keeps the early, large steps in bounds.
    steps = epochs * math.ceil(len(xs) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
                  loss='categorical_crossentropy')
    model.fit(xs, next_pixel_targets(xs, num_classes), batch_size=batch_size, epochs=epochs,
              verbose=verbose, callbacks=list(callbacks))
    return model


# ---------------------------------------------------------------- model files

def model_path(models_dir, label):
    return os.path.join(models_dir, config.model_file.format(label))


def save_model(model, path, class_frequency=None):
    """Write the model whole or not at all: into a temporary file beside path,
    then renamed over it. class_frequency (the share of the training data in
    this model's class) is kept as the prior for classification."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    temporary = f'{path}.{os.getpid()}.tmp.h5'
    try:
        model.save(temporary)
        if class_frequency is not None:
            with h5py.File(temporary, 'a') as f:
                f.attrs['class_frequency'] = float(class_frequency)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_model(path, num_levels=config.num_classes):
    """Load a model written by this project, or by the tutorial (Keras 2.2.4)."""
    if not os.path.isfile(path):
        raise UsageError(f'no model file {path}')
    try:
        with h5py.File(path, 'r') as f:
            keras2_model = (_load_keras2_gru(f)
                            if str(f.attrs.get('keras_version', '')).startswith('2.') else None)
        model = keras2_model or keras.models.load_model(path, compile=False)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f'{path} is not a readable model file ({error}); '
                         'train it again') from None
    levels = model_levels(model)
    if levels != num_levels:
        raise UsageError(f'{path} models {levels} intensity levels, but {num_levels} '
                         'are configured; retrain it or change config.max_intensity')
    return model


def _load_keras2_gru(f):
    """Rebuild a Keras 2 GRU -> TimeDistributed(Dense) -> softmax model, which
    keras.models.load_model cannot read, and copy its weights in."""
    layers = json.loads(f.attrs['model_config'])['config']
    layers = layers['layers'] if isinstance(layers, dict) else layers
    gru = next(layer['config'] for layer in layers if layer['class_name'] == 'GRU')
    if gru['activation'] != 'tanh':
        raise ValueError(f"unsupported GRU activation {gru['activation']!r}")
    recurrent_activation = gru['recurrent_activation']
    if recurrent_activation == 'hard_sigmoid':
        recurrent_activation = keras2_hard_sigmoid

    groups = f['model_weights']
    names = [name.decode() if isinstance(name, bytes) else name
             for name in groups.attrs['layer_names']]
    weights = [[np.asarray(groups[name][weight_name])
                for weight_name in groups[name].attrs['weight_names']]
               for name in names if len(groups[name].attrs['weight_names'])]
    gru_weights, dense_weights = weights
    model = create_model(gru_weights[0].shape[0], units=gru['units'],
                         reset_after=gru['reset_after'],
                         recurrent_activation=recurrent_activation)
    model.get_layer('gru').set_weights(gru_weights)
    model.get_layer('logits').set_weights(dense_weights)
    return model


def require_models(models_dir, labels, train_command):
    """Paths of one model per label; a missing file names all missing ones and the fix."""
    paths = [model_path(models_dir, label) for label in labels]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        raise UsageError(f"missing model files: {', '.join(missing)}; "
                         f'train them with: {train_command} --models_dir={models_dir}')
    return paths


def load_models(models_dir, labels, train_command, num_levels=config.num_classes):
    return [load_model(path, num_levels)
            for path in require_models(models_dir, labels, train_command)]


def stored_log_priors(models_dir, labels):
    """Log class priors from the class frequencies saved with the models;
    uniform when any model lacks one (such as the tutorial's own files)."""
    frequencies = []
    for label in labels:
        with h5py.File(model_path(models_dir, label), 'r') as f:
            frequencies.append(f.attrs.get('class_frequency', np.nan))
    frequencies = np.asarray(frequencies, dtype=np.float64)
    if np.isnan(frequencies).any():
        frequencies = np.ones(len(labels))
    return np.log(frequencies / frequencies.sum())


# ---------------------------------------------------------------- likelihood

def log_likelihood(model, levels):
    """Log-probability in nats of each image of levels (m, h, w[, colours])
    under model: the sum over sub-pixels of log p(sub-pixel | those before it)."""
    if pixelcnn.is_pixelcnn(model):
        return pixelcnn.log_likelihood(model, levels)
    return gru_log_likelihood(model, levels)


def gru_log_likelihood(model, levels):
    """log_likelihood for a GRU model.

    Runs the GRU one pixel at a time over all images at once, and once per
    distinct prefix: images that begin alike (blank top rows, most of them)
    share the state of their common beginning. Memory stays at one state
    per image, whatever the image size."""
    pixels = levels.reshape(len(levels), -1).astype(np.int64)
    cell = model.get_layer('gru').cell
    logits_layer = model.get_layer('logits')
    num_levels, channels = logits_layer.units, model_channels(model)
    prefix_ids = np.zeros(len(pixels), dtype=np.int64)  # all begin with the empty prefix
    inputs = step_inputs(None, 0, num_levels, channels)
    state = ops.zeros((1, cell.units))
    totals = np.zeros(len(pixels))
    for step in range(pixels.shape[1]):
        output, state = cell(inputs, state)
        log_probs = ops.convert_to_numpy(ops.log_softmax(logits_layer(output), axis=-1))
        totals += log_probs[prefix_ids, pixels[:, step]]
        extended, prefix_ids = np.unique(prefix_ids * num_levels + pixels[:, step],
                                         return_inverse=True)
        state = ops.take(state, extended // num_levels, axis=0)
        inputs = step_inputs(extended % num_levels, step + 1, num_levels, channels)
    return totals


def num_subpixels(images, settings):
    """Dimensions of an image as modelled: shrunk pixels times channels."""
    return settings.target_size ** 2 * (images.shape[3] if images.ndim == 4 else 1)


def bits_per_dim(log_likelihoods, num_pixels):
    return -np.mean(log_likelihoods) / (num_pixels * np.log(2))


def bayes_decision(log_likelihoods, log_priors):
    """Index of the most probable class for each row of (images, classes) log-likelihoods."""
    return np.argmax(log_likelihoods + log_priors, axis=1)


def log_likelihoods_by_class(models_dir, images, labels=range(10), settings=config.MNIST,
                             verbose=0):
    """Log-likelihoods in nats (images, labels) of uint8 images under one model
    per label. verbose=1 shows a progress bar over the models."""
    labels = list(labels)
    models = load_models(models_dir, labels, settings.train_all_command, settings.num_classes)
    levels = quantize(images, settings.target_size, settings.factor)
    progress = keras.utils.Progbar(len(models), verbose=verbose, unit_name='model')
    log_likelihoods = np.zeros((len(images), len(models)))
    for index, model in enumerate(models):
        log_likelihoods[:, index] = log_likelihood(model, levels)
        progress.update(index + 1)
    return log_likelihoods


def classify(models_dir, images, labels=range(10), log_priors=None, settings=config.MNIST,
             verbose=0):
    """Position in labels of each uint8 image's class, by Bayes' rule over one
    model per label; priors default to those stored with the models."""
    labels = list(labels)
    log_likelihoods = log_likelihoods_by_class(models_dir, images, labels, settings, verbose)
    if log_priors is None:
        log_priors = stored_log_priors(models_dir, labels)
    return bayes_decision(log_likelihoods, log_priors)


# ---------------------------------------------------------------- sampling

def sample(model, image_size, num_classes, num_images=1, seed=None, temperature=1.0,
           verbose=0):
    """Draw num_images images of levels, (num_images, image_size, image_size) or
    with colour (..., 3), every sub-pixel from the model's distribution given
    those before it (temperature 1.0 is the model's own distribution).
    verbose=1 shows a progress bar where sampling takes a pass per sub-pixel."""
    if model_levels(model) != num_classes:
        raise ValueError(f'the model has {model_levels(model)} levels, not {num_classes}')
    channels = model_channels(model)
    uniforms = np.random.default_rng(seed).random((num_images, image_size ** 2 * channels))
    shape = (num_images, image_size, image_size) + ((channels,) if channels > 1 else ())
    if pixelcnn.is_pixelcnn(model):
        levels = pixelcnn.sample_with_uniforms(model, image_size, uniforms, temperature, verbose)
    else:
        levels = sample_with_uniforms(model, uniforms, temperature)
    return levels.reshape(shape)


def sample_with_uniforms(model, uniforms, temperature=1.0):
    """Levels (images, pixels) drawn from a GRU model by inverse CDF from
    uniforms (images, pixels), all images in one compiled loop."""
    sampler = GRUSampler(model.get_layer('gru').cell, model.get_layer('logits'),
                         model_channels(model), temperature)
    pixels = sampler.predict_on_batch(uniforms.astype(np.float32))
    return ops.convert_to_numpy(pixels).astype(np.uint8)


def levels_to_image(levels, output_size, factor=config.factor):
    """Levels (h, w[, 3]) -> uint8 picture output_size x output_size."""
    intensities = np.clip(levels * factor, 0, 255).astype(np.uint8)
    return shrink(intensities, output_size)


def image_grid(images):
    """(rows * cols) equal-size images -> one picture, row by row."""
    grid_size = int(round(np.sqrt(len(images))))
    rows = [np.concatenate(images[row * grid_size:(row + 1) * grid_size], axis=1)
            for row in range(grid_size)]
    return np.concatenate(rows, axis=0)
