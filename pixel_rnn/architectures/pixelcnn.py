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
    giving the probability of the upper one. The layers' names and order
    are those of the weights in model files."""
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
        size, colours = self.info.image_size, self.info.colours
        images = np.zeros((len(uniforms), size, size, colours), dtype=np.float32)
        subpixels = images.reshape(len(uniforms), -1)  # a view of images, in raster order
        num_given = 0 if given is None else given.shape[1]
        if num_given:
            subpixels[:, :num_given] = given
        network = PositionwiseNetwork(self.network, images)
        network.fill(num_given // colours)
        progress = keras.utils.Progbar(uniforms.shape[1] - num_given, verbose=verbose,
                                       unit_name='sub-pixel')
        for index in range(num_given, uniforms.shape[1]):
            row, column, colour = np.unravel_index(index, images.shape[1:])
            logits = self.level_logits(network.at(row, column))
            probabilities = ops.softmax(logits[:, colour] / temperature, axis=-1)
            drawn = inverse_cdf(probabilities, uniforms[:, index])
            subpixels[:, index] = ops.convert_to_numpy(drawn)
            network.at(row, column, image_only=True)
            progress.update(index + 1 - num_given)
        return subpixels.astype(np.uint8)


class PositionwiseNetwork:
    """A masked-convolution network run at given positions only, from its own
    layers (their weights as NumPy arrays, masks applied), in their order.
    A convolution wider than 1x1 reads its input around the position from a
    zero-padded cache of it, written as each position is computed; images
    (m, size, size, colours), the levels drawn so far, feed the network."""

    def __init__(self, network, images):
        import keras
        from keras import ops
        from pixel_rnn.architectures.layers import MaskedConv2D
        self.images = images
        self.caches = {}
        image = id(network.inputs[0])
        steps = [(lambda rows, columns: images[:, rows, columns].reshape(-1, images.shape[3]),
                  [], image)]
        from_image = {image}  # the tensors computed from the image alone
        for layer in network.layers[1:]:
            sources = [id(tensor) for tensor in keras.tree.flatten(layer.input)]
            if isinstance(layer, MaskedConv2D):
                kernel = ops.convert_to_numpy(layer.kernel) * layer.mask
                side = kernel.shape[0]
                if side > 1:
                    self.caches[sources[0]] = np.zeros(
                        (len(images), images.shape[1] + side - 1, images.shape[2] + side - 1,
                         kernel.shape[2]), np.float32)
                run = convolution(kernel, ops.convert_to_numpy(layer.bias),
                                  self.caches.get(sources[0]))
            elif isinstance(layer, keras.layers.PReLU):
                run = prelu(ops.convert_to_numpy(layer.alpha).reshape(-1))
            elif isinstance(layer, keras.layers.Rescaling):
                run = rescaling(float(layer.scale), float(layer.offset))
            elif isinstance(layer, keras.layers.Add):
                run = add
            elif layer.name == 'probabilities':
                break
            else:
                raise TypeError(f'{layer.name}: a {type(layer).__name__} does not run by position')
            if from_image.issuperset(sources) and not isinstance(layer, MaskedConv2D):
                from_image.add(id(layer.output))
            steps.append((run, sources, id(layer.output)))
        self.logits = steps[-1][2]
        self.steps = [step + self.cache_of(step[2]) for step in steps]
        self.image_steps = [step for step in self.steps if step[2] in from_image]

    def cache_of(self, tensor):
        """(the tensor's cache, its padding), or (None, 0) where none reads around it."""
        cache = self.caches.get(tensor)
        return (None, 0) if cache is None else (cache, (cache.shape[1] - self.images.shape[1]) // 2)

    def at(self, rows, columns, image_only=False):
        """The logits layer's output (images * positions, outputs) at
        positions (rows, columns), every layer computed at all of them before
        the next (so a position reads those before it of the same call), the
        caches written there; image_only: only the layers the image alone
        feeds before any convolution, as after a sub-pixel is drawn."""
        rows, columns = np.atleast_1d(rows), np.atleast_1d(columns)
        values = {}
        for run, sources, output, cache, pad in self.image_steps if image_only else self.steps:
            values[output] = run(rows, columns, *map(values.__getitem__, sources))
            if cache is not None:
                cache[:, rows + pad, columns + pad] = values[output].reshape(
                    len(cache), len(rows), -1)
        return values.get(self.logits)

    def fill(self, num_final):
        """The caches brought up to date at the first num_final pixels in
        raster order, a row at a time."""
        size = self.images.shape[2]
        for start in range(0, num_final, size):
            self.at(*np.divmod(np.arange(start, min(start + size, num_final)), size))


def convolution(kernel, bias, cache):
    """A convolution at positions: of its input there (1x1), or around them
    from its padded input cache."""
    matrix, offsets = kernel.reshape(-1, kernel.shape[-1]), np.arange(kernel.shape[0])
    if cache is None:
        return lambda rows, columns, x: x @ matrix + bias
    return lambda rows, columns, x: cache[
        :, rows[:, None, None] + offsets[:, None], columns[:, None, None] + offsets].reshape(
        -1, len(matrix)) @ matrix + bias


def prelu(alpha):
    return lambda rows, columns, x: np.maximum(x, 0) + alpha * np.minimum(x, 0)


def rescaling(scale, offset):
    return lambda rows, columns, x: x * scale + offset


def add(rows, columns, x, y):
    return x + y
