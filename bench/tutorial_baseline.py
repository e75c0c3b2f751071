"""The tutorial's way of sampling and scoring, kept as the baseline that
benchmarks and tests compare against."""
import numpy as np
from keras import ops

from pixel_rnn.architectures import gru
from pixel_rnn.architectures.layers import inverse_cdf


def sample_by_prefix(model, uniforms):
    """One image at a time; for every sub-pixel, model.predict on the whole
    prefix again, as the tutorial does. model: a GRU ClassModel."""
    num_images, num_subpixels = uniforms.shape
    levels, colours = model.info.levels, model.info.colours
    subpixels = np.zeros((num_images, num_subpixels), dtype=np.uint8)
    for image in range(num_images):
        for index in range(num_subpixels):
            prefix = gru.to_sequences(subpixels[image:image + 1, :index], levels, colours)
            probabilities = model.network.predict(prefix, verbose=0)[:, -1]
            subpixels[image, index] = ops.convert_to_numpy(
                inverse_cdf(probabilities, uniforms[image:image + 1, index]))[0]
    return subpixels


def sample_by_passes(model, uniforms):
    """A PixelCNN ClassModel's samples (images, sub-pixels) without
    shortcuts: for every sub-pixel, one pass of the whole network over the
    image so far."""
    size, colours = model.info.image_size, model.info.colours
    images = np.zeros((len(uniforms), size, size, colours), dtype='float32')
    for index in range(uniforms.shape[1]):
        row, column, colour = np.unravel_index(index, images.shape[1:])
        probabilities = model.network.predict_on_batch(images)[:, row, column, colour]
        if model.info.params['head'] == 'sigmoid':
            probabilities = np.stack([1 - probabilities, probabilities], axis=-1)
        images[:, row, column, colour] = ops.convert_to_numpy(
            inverse_cdf(probabilities, uniforms[:, index]))
    return images.reshape(len(uniforms), -1)
