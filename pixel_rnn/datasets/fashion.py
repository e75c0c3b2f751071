"""Fashion-MNIST: grey 28x28 pictures of clothes and shoes, shipped as MNIST is; without
--data Keras's download."""
from pixel_rnn import defaults
from pixel_rnn.datasets import checks, formats
from pixel_rnn.datasets.settings import Settings

# In the order of its labels 0-9, named for the command line.
CLASSES = ('t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker',
           'bag', 'ankle-boot')
FORMATS = ('an .npz with x_train, y_train, x_test, y_test; a folder of the four Fashion-MNIST '
           'IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], '
           't10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]); or a folder with '
           f"train/<class>/ and test/<class>/ images, the classes named {', '.join(CLASSES)}")


def load(path=None):
    """Fashion-MNIST from path, else through Keras; there is no bundled copy."""
    if path is None:
        return checks.from_keras('fashion_mnist', 'Fashion-MNIST', CLASSES, checks.GREY_SHAPE,
                                 FORMATS)
    return formats.load_path(path, FORMATS, CLASSES, checks.GREY_SHAPE, formats.idx_arrays)


# Its images are MNIST's size and kind: shrunk and quantized as MNIST's, to start with.
# Each product's longer side fills the 28 pixels, the box centred (Xiao et al. 2017).
FASHION = Settings(
    'fashion', 'Fashion-MNIST', 'Fashion-MNIST grey clothes and shoes', 1, CLASSES,
    picture_size=28, target_size=defaults.target_size, max_intensity=defaults.max_intensity,
    samples_file='fashion_samples_of_{}.png', completions_file='fashion_completions_of_{}.png',
    class_flag='label', class_noun='class',
    class_help='class to model: 0-9 or a name, e.g. sneaker (default 0, t-shirt)',
    all_classes='all ten classes', train_command='python train.py --dataset=fashion',
    data_help=('local Fashion-MNIST: a folder of its four IDX files, an .npz, or class '
               'folders; default: Keras download'),
    load=load, ink_box=28)
