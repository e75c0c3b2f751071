"""PixelCNN: the second architecture, a stack of masked convolutions.

The model takes an image of levels (m, h, w, colours) and gives, for every
sub-pixel at once, the distribution of its level given the sub-pixels before
it in raster order (R, G, B within a pixel): the masks see to that. So one
pass gives an image's exact likelihood, while sampling takes a pass per
sub-pixel. Inside, levels are scaled to [0, 1].

PixelCNN, the registry's ClassModel of it, answers every call from its ModelInfo.
"""

import numpy as np

from pixel_rnn.architectures.model import ClassModel
from pixel_rnn.architectures.params import Param

# Hyper-parameters a model file records: defaults of new models, and bounds
# generous for real models yet small enough that no file asks for absurd memory.
PARAMS = {
    'filters': Param(64, low=2, high=4096, help='channels of its convolutions'),
    'depth': Param(6, low=0, high=64, help='residual blocks'),
    'head': Param('softmax', choices=('softmax', 'sigmoid'),
                  help='a softmax over the levels, or for 2 levels (--max_intensity=1) one '
                       'sigmoid per sub-pixel'),
}


def create_pixelcnn(levels, colours, filters, depth, head):
    """Mask-A 7x7 convolution, depth residual blocks, two 1x1 mask-B layers,
    then per sub-pixel a softmax over the levels, or for two levels a sigmoid
    giving the probability of the upper one. The layers are named for what
    they are, so that PositionwiseNetwork finds them; their order is the
    order of the weights in model files."""
    import keras
    from pixel_rnn.architectures.layers import MaskedConv2D, SubpixelSoftmax

    def masked(mask_type, width, name, kernel_size=1):
        return MaskedConv2D(mask_type, colours, filters=width, kernel_size=kernel_size,
                            name=name)

    def prelu(name):
        return keras.layers.PReLU(shared_axes=[1, 2], name=name)

    inputs = keras.Input(shape=(None, None, colours))
    x = keras.layers.Rescaling(1 / (levels - 1), name='rescaling')(inputs)
    x = masked('A', filters, 'first', 7)(x)
    for block in range(depth):
        residual = masked('B', filters // 2, f'block{block}_narrow')(
            prelu(f'block{block}_prelu_in')(x))
        residual = masked('B', filters // 2, f'block{block}_wide', 3)(
            prelu(f'block{block}_prelu_mid')(residual))
        residual = masked('B', filters, f'block{block}_back')(
            prelu(f'block{block}_prelu_out')(residual))
        x = keras.layers.Add(name=f'block{block}_add')([x, residual])
    x = prelu('blocks_prelu')(x)
    for layer in range(2):
        x = prelu(f'out{layer}_prelu')(masked('B', filters, f'out{layer}')(x))
    if head == 'softmax':
        logits = masked('B', colours * levels, 'logits')(x)
        outputs = SubpixelSoftmax(colours, name='probabilities')(logits)
    else:
        logits = masked('B', colours, 'logits')(x)
        outputs = keras.layers.Activation('sigmoid', name='probabilities')(logits)
    return keras.Model(inputs, outputs, name='pixelcnn')


class PixelCNN(ClassModel):
    SUMMARY = 'a PixelCNN'
    PARAMS = PARAMS
    OPTIMIZER = 'Nadam'

    @classmethod
    def problem(cls, info):
        if info.params['head'] == 'sigmoid' and info.levels != 2:
            return ('the sigmoid head models 2 levels: --head=sigmoid needs --max_intensity=1, '
                    f'not {info.levels - 1}')
        return None

    @classmethod
    def weight_shapes(cls, info):
        filters, depth, colours = info.params['filters'], info.params['depth'], info.colours
        half = filters // 2
        outputs = colours * (info.levels if info.params['head'] == 'softmax' else 1)

        def conv(side, inputs, width):
            return [(side, side, inputs, width), (width,)]

        def prelu(width):  # shared over rows and columns
            return [(1, 1, width)]
        block = (prelu(filters) + conv(1, filters, half) + prelu(half) + conv(3, half, half)
                 + prelu(half) + conv(1, half, filters))
        return (conv(7, colours, filters) + depth * block + prelu(filters)
                + 2 * (conv(1, filters, filters) + prelu(filters)) + conv(1, filters, outputs))

    def build(self):
        return create_pixelcnn(self.info.levels, self.info.colours, **self.info.params)

    def logits(self, images):
        """The logits layer's output in raster order; a sigmoid's logit z as
        the two-level softmax's logits (0, z)."""
        import keras
        from keras import ops
        info = self.info
        head = keras.Model(self.network.inputs, self.network.get_layer('logits').output)
        subpixels = ops.reshape(images, (-1, info.image_size, info.image_size, info.colours))
        logits = ops.reshape(head(ops.cast(subpixels, 'float32')),
                             (-1, info.num_subpixels, info.levels if self.softmax else 1))
        return logits if self.softmax else ops.concatenate([ops.zeros_like(logits), logits], -1)

    @property
    def softmax(self):
        """Whether the head is a softmax over the levels (else a sigmoid for 2)."""
        return self.info.params['head'] == 'softmax'

    def level_logits(self, logits):
        """The logits layer's output -> logits (..., colours, levels). A
        sigmoid's logit z is the two-level softmax over (0, z)."""
        from keras import ops
        logits = ops.convert_to_numpy(logits)
        if not self.softmax:
            return np.stack([np.zeros_like(logits), logits], axis=-1)
        return logits.reshape(logits.shape[:-1] + (self.info.colours, -1))

    def draw(self, uniforms, temperature=1.0, verbose=0, given=None):
        """Sub-pixel by sub-pixel in raster order, all images at once, after
        the given ones. A position's activations depend only on the
        sub-pixels before it (the masks), so each step computes each layer at
        one position, reading earlier ones from caches of the wider
        convolutions' inputs (Ramachandran et al., 2017, "Fast Generation for
        Convolutional Autoregressive Models"): a grid costs about one pass of
        the network, not one per sub-pixel. Given rows fill the caches a row
        at a time."""
        import keras
        from keras import ops
        from pixel_rnn.architectures.layers import inverse_cdf
        network = PositionwiseNetwork(self.network, self.info.params['depth'])
        size, colours = self.info.image_size, self.info.colours
        images = np.zeros((len(uniforms), size, size, colours), dtype=np.uint8)
        subpixels = images.reshape(len(uniforms), -1)  # a view of images, in raster order
        num_given = 0 if given is None else given.shape[1]
        if num_given:
            subpixels[:, :num_given] = given
        caches = network.caches_for(images, num_given // colours)
        progress = keras.utils.Progbar(uniforms.shape[1] - num_given, verbose=verbose,
                                       unit_name='sub-pixel')
        for index in range(num_given, uniforms.shape[1]):
            row, column, colour = np.unravel_index(index, images.shape[1:])
            logits = self.level_logits(network.logits_at(caches, row, column))
            probabilities = ops.softmax(logits[:, colour] / temperature, axis=-1)
            drawn = inverse_cdf(probabilities, uniforms[:, index])
            subpixels[:, index] = ops.convert_to_numpy(drawn)
            network.set_input(caches, row, column, colour, subpixels[:, index])
            progress.update(index + 1 - num_given)
        return subpixels


class PositionwiseNetwork:
    """A PixelCNN's layers as NumPy arrays (masks applied), run at given
    positions only. Only the 7x7 and 3x3 convolutions look beyond their
    position; caches keep their inputs at every position so far. The layers
    of model (of depth residual blocks) are found by the names
    create_pixelcnn gives them."""

    def __init__(self, model, depth):
        from keras import ops

        def convolution(name):
            layer = model.get_layer(name)
            return (ops.convert_to_numpy(layer.kernel) * layer.mask,
                    ops.convert_to_numpy(layer.bias))

        def alpha(name):
            return ops.convert_to_numpy(model.get_layer(name).alpha).reshape(-1)

        rescaling = model.get_layer('rescaling')
        self.scale, self.offset = float(rescaling.scale), float(rescaling.offset)
        self.first = convolution('first')
        self.blocks = [
            ([alpha(f'block{block}_prelu_{place}') for place in ('in', 'mid', 'out')],
             [convolution(f'block{block}_{part}') for part in ('narrow', 'wide', 'back')])
            for block in range(depth)]
        self.final_alpha = alpha('blocks_prelu')
        self.out = [(convolution(f'out{layer}'), alpha(f'out{layer}_prelu')) for layer in range(2)]
        self.logits = convolution('logits')

    def caches_for(self, images, num_final):
        """Zero-padded caches for images of levels (images, size, size,
        colours) whose first num_final pixels in raster order are final: the
        rescaled image, and each block's 3x3 input, brought up to date at
        those pixels a row at a time."""
        def padded(convolution):
            pad = convolution[0].shape[0] // 2
            return np.zeros((len(images), size + 2 * pad, size + 2 * pad,
                             convolution[0].shape[2]), dtype=np.float32)
        size = images.shape[1]
        caches = [padded(self.first)] + [padded(convolutions[1])
                                         for _, convolutions in self.blocks]
        pad = self.first[0].shape[0] // 2
        caches[0][:, pad:pad + size, pad:pad + size] = images * self.scale + self.offset
        for start in range(0, num_final, size):
            rows, columns = np.divmod(np.arange(start, min(start + size, num_final)), size)
            self.update(caches, rows, columns)
        return caches

    def set_input(self, caches, row, column, colour, subpixels):
        pad = self.first[0].shape[0] // 2
        caches[0][:, row + pad, column + pad, colour] = subpixels * self.scale + self.offset

    def update(self, caches, rows, columns):
        """The blocks' caches brought up to date at positions (rows,
        columns), whose sub-pixels before them are all in caches[0]; returns
        the last block's output there (images * positions, filters). Each
        layer is computed at all the positions before the next reads them,
        so a position may read another of the same call."""
        x = around(caches[0], rows, columns, *self.first)
        for ((alpha_in, alpha_mid, alpha_out), (narrow, wide, back)), cache in zip(
                self.blocks, caches[1:]):
            pad = wide[0].shape[0] // 2
            inputs = prelu(pointwise(prelu(x, alpha_in), *narrow), alpha_mid)
            cache[:, rows + pad, columns + pad] = inputs.reshape(len(cache), len(rows), -1)
            x = x + pointwise(prelu(around(cache, rows, columns, *wide), alpha_out), *back)
        return x

    def logits_at(self, caches, row, column):
        """The logits layer's output (images, outputs) at (row, column), with
        the caches' entries at that position brought up to date on the way."""
        x = prelu(self.update(caches, np.array([row]), np.array([column])), self.final_alpha)
        for convolution, alpha in self.out:
            x = prelu(pointwise(x, *convolution), alpha)
        return pointwise(x, *self.logits)


def around(cache, rows, columns, kernel, bias):
    """A convolution's output (images * positions, outputs) at positions
    (rows, columns) from its padded input cache."""
    offsets = np.arange(kernel.shape[0])
    windows = cache[:, rows[:, None, None] + offsets[:, None], columns[:, None, None] + offsets]
    return windows.reshape(-1, kernel[..., 0].size) @ kernel.reshape(-1, kernel.shape[-1]) + bias


def pointwise(x, kernel, bias):
    return x @ kernel.reshape(kernel.shape[-2], kernel.shape[-1]) + bias


def prelu(x, alpha):
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)
