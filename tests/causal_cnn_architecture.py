"""A third architecture, as a contributor would add one: this file and a line
in the registry (tests/test_architectures.py adds the line). A small causal
CNN: masked 5x5 and 3x3 convolutions, dropout while training, and a masked
1x1 convolution to each sub-pixel's logits. Everything else (its likelihood,
training, sampling, completion, fine-tuning) the base class derives from
the logits."""
from pixel_rnn.architectures.model import ClassModel
from pixel_rnn.architectures.params import Param


class CausalCNN(ClassModel):
    SUMMARY = 'a small causal CNN'
    RATE = 0.03  # a few steps teach it enough for a test
    PARAMS = {'width': Param(16, low=1, high=256, help='channels of its hidden layer'),
              'dropout': Param(0.0, low=0.0, high=0.5, help='dropout rate while training')}

    @classmethod
    def weight_shapes(cls, info):
        width, outputs = info.params['width'], info.colours * info.levels
        return [(5, 5, info.colours, width), (width,), (3, 3, width, width), (width,),
                (1, 1, width, outputs), (outputs,)]

    def build(self):
        import keras
        from pixel_rnn.architectures.layers import MaskedConv2D
        info, width = self.info, self.info.params['width']
        images = keras.Input(shape=info.shape, dtype='int32')
        x = keras.layers.Reshape((info.image_size, info.image_size, info.colours))(images)
        x = keras.layers.Rescaling(1 / (info.levels - 1))(x)
        x = MaskedConv2D('A', info.colours, filters=width, kernel_size=5, activation='relu',
                         name='first')(x)
        x = MaskedConv2D('B', info.colours, filters=width, kernel_size=3, activation='relu',
                         name='second')(x)
        x = keras.layers.Dropout(info.params['dropout'])(x)
        x = MaskedConv2D('B', info.colours, filters=info.colours * info.levels, kernel_size=1,
                         name='logits')(x)
        return keras.Model(images, keras.layers.Reshape((info.num_subpixels, info.levels))(x))
