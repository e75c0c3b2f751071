"""PixelCNN: the second architecture, a stack of masked convolutions.

The model takes an image of levels (m, h, w, colours) and gives, for every
sub-pixel at once, the distribution of its level given the sub-pixels before
it in raster order (R, G, B within a pixel): the masks see to that. So one
pass gives an image's exact likelihood, while sampling takes a pass per
sub-pixel. Inside, levels are scaled to [0, 1].

Like gru.py, this module answers the calls every architecture answers:
create, num_weights, fit, log_likelihood, sample.
"""
import keras
import numpy as np
from keras import ops

import config
from errors import UsageError
from layers import MaskedConv2D, SubpixelSoftmax

# Hyper-parameters a model file records, with the defaults of new models.
PARAMS = config.ARCH_PARAMS['pixelcnn']
HEADS = ('softmax', 'sigmoid')


def create_pixelcnn(num_levels, colours=1, filters=128, depth=6, head='softmax'):
    """Mask-A 7x7 convolution, depth residual blocks, two 1x1 mask-B layers,
    then per sub-pixel a softmax over the levels, or for two levels a sigmoid
    giving the probability of the upper one."""
    if head == 'sigmoid' and num_levels != 2:
        raise UsageError(f'the sigmoid head models 2 levels (max_intensity 1), not {num_levels}')

    def masked(mask_type, width, kernel_size=1, **kwargs):
        return MaskedConv2D(mask_type, colours, filters=width, kernel_size=kernel_size, **kwargs)

    def prelu():
        return keras.layers.PReLU(shared_axes=[1, 2])

    inputs = keras.Input(shape=(None, None, colours))
    x = keras.layers.Rescaling(1 / (num_levels - 1))(inputs)
    x = masked('A', filters, 7)(x)
    for _ in range(depth):
        block = masked('B', filters // 2)(prelu()(x))
        block = masked('B', filters // 2, 3)(prelu()(block))
        block = masked('B', filters)(prelu()(block))
        x = keras.layers.Add()([x, block])
    x = prelu()(x)
    for _ in range(2):
        x = prelu()(masked('B', filters)(x))
    if head == 'softmax':
        logits = masked('B', colours * num_levels, name='logits')(x)
        outputs = SubpixelSoftmax(colours, name='probabilities')(logits)
    else:
        logits = masked('B', colours, name='logits')(x)
        outputs = keras.layers.Activation('sigmoid', name='probabilities')(logits)
    return keras.Model(inputs, outputs, name='pixelcnn')


def create(info):
    return create_pixelcnn(info.levels, info.colours, **info.params)


def num_weights(info):
    """Parameters create(info) makes, known before anything is allocated."""
    filters, depth, colours = info.params['filters'], info.params['depth'], info.colours
    half = filters // 2
    outputs = colours * (info.levels if info.params['head'] == 'softmax' else 1)
    block = (filters * half + half) + (9 * half * half + half) + (half * filters + filters) \
        + filters + 2 * half  # three convolutions, three PReLUs
    return ((49 * colours * filters + filters) + depth * block + filters
            + 2 * (filters * filters + 2 * filters) + (filters * outputs + outputs))


def head(model):
    return 'softmax' if isinstance(model.get_layer('probabilities'), SubpixelSoftmax) else 'sigmoid'


def colours(model):
    return model.input_shape[-1]


def as_images(levels):
    """Levels (m, h, w) or (m, h, w, colours) -> (m, h, w, colours)."""
    return levels[..., None] if levels.ndim == 3 else levels


def fit(model, levels, batch_size, epochs, callbacks=(), verbose='auto'):
    """Train model on levels (m, h, w[, colours]) with Nadam; returns Keras's
    History. Each sub-pixel's own level is its target: the masks hide it
    from the input."""
    images = as_images(levels)
    softmax = head(model) == 'softmax'
    model.compile(optimizer=keras.optimizers.Nadam(),
                  loss='sparse_categorical_crossentropy' if softmax else 'binary_crossentropy')
    return model.fit(images.astype('float32'), images.astype('int32' if softmax else 'float32'),
                     batch_size=batch_size, epochs=epochs, callbacks=list(callbacks),
                     verbose=verbose)


def logits_model(model):
    return keras.Model(model.inputs, model.get_layer('logits').output)


def level_logits(model, logits):
    """The logits layer's output -> logits (..., colours, levels). A sigmoid's
    logit z is the two-level softmax over (0, z)."""
    logits = ops.convert_to_numpy(logits)
    if head(model) == 'sigmoid':
        return np.stack([np.zeros_like(logits), logits], axis=-1)
    return logits.reshape(logits.shape[:-1] + (colours(model), -1))


def log_likelihood(model, levels, batch_size=256):
    """Log-probability in nats of each image of levels under model, exact:
    the sum over sub-pixels of log p(sub-pixel | those before it)."""
    images = as_images(levels)
    to_logits = logits_model(model)
    totals = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        logits = level_logits(model, to_logits.predict_on_batch(batch.astype('float32')))
        log_probs = ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))
        own = np.take_along_axis(log_probs, batch[..., None].astype(np.int64), axis=-1)
        totals.append(own.sum(axis=(1, 2, 3, 4)))
    return np.concatenate(totals) if totals else np.zeros(0)


def sample(model, uniforms, image_size, temperature=1.0, verbose=0):
    """Levels (images, image_size, image_size, colours) drawn sub-pixel by
    sub-pixel in raster order, each by inverse CDF from uniforms (images,
    sub-pixels). The pass for a sub-pixel in row r runs on rows 0..r only:
    the masks keep later rows from mattering."""
    to_logits = logits_model(model)
    images = np.zeros((len(uniforms), image_size, image_size, colours(model)), dtype='float32')
    progress = keras.utils.Progbar(uniforms.shape[1], verbose=verbose, unit_name='sub-pixel')
    index = 0
    for row in range(image_size):
        for column in range(image_size):
            for colour in range(images.shape[-1]):
                logits = level_logits(model, to_logits.predict_on_batch(images[:, :row + 1]))
                probabilities = ops.convert_to_numpy(
                    ops.softmax(logits[:, row, column, colour] / temperature, axis=-1))
                images[:, row, column, colour] = draw(probabilities, uniforms[:, index])
                index += 1
                progress.update(index)
    return images.astype(np.uint8)


def draw(probabilities, uniforms):
    """Inverse CDF: the level where each row's cumulative probability passes its uniform."""
    below = np.cumsum(probabilities, axis=-1) <= uniforms[:, None]
    # Rounding can leave the last cumulative sum a hair below 1.
    return np.minimum(below.sum(axis=-1), probabilities.shape[-1] - 1)
