"""ModelInfo: what a model file models and how it was trained, checked field by field.

Free of Keras, as the architectures' declarations are, so that the command
line builds and checks the description of a training before Keras starts,
and worker processes receive it as it is.
"""
import dataclasses
import math

import config
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import whole
from pixel_rnn.datasets import DATASETS

# Bounds on what a description may ask for: generous for real models, and
# small enough that no file can ask for absurd memory.
MAX_IMAGE_SIZE = 256
MAX_WEIGHT = 1000  # fine-tuning's density weight
# Images of a class a model is measured on once trained (ModelInfo.held_out_bits).
HELD_OUT = 1000
# What a model's training measures of it rather than asks for: the same
# training may measure them otherwise, and its backup is tied to none of them.
MEASURED = ('loss', 'keras_version', 'held_out_bits', 'held_out_bits_99')


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What a model file models and how it was trained."""
    dataset: str         # a key of DATASETS
    class_name: str
    image_size: int      # images are shrunk to image_size x image_size
    levels: int          # intensity levels per sub-pixel
    colours: int         # 1 grey, 3 RGB
    arch: str            # a key of ARCHITECTURES
    params: dict         # the architecture's hyper-parameters, named as its PARAMS
    prior: float = None  # the class's share of the training data
    data_source: str = None
    num_images: int = None
    skip: int = None
    epochs: int = None   # completed
    batch_size: int = None
    seed: int = None
    loss: float = None   # training loss of the last epoch
    keras_version: str = None
    deskew: bool = False  # images sheared upright and centred before shrinking (util.deskew)
    mirror: bool = False  # trained on its images and their mirror images (left-right)
    shifts: int = 0  # one-pixel moves of each image trained on besides it (config.SHIFTS)
    # Fine-tuned afterwards with the other classes' models (training/fine_tuning.py):
    # the density term's weight, and the epochs of it.
    fine_tuning_weight: float = None
    fine_tuning_epochs: int = None
    # Measured once trained, on up to HELD_OUT images of the class it was not
    # trained on: their mean bits/dim, and the bits/dim that 99% of them stay
    # under (a picture far above it is unlike what the model was made for).
    held_out_bits: float = None
    held_out_bits_99: float = None

    def __post_init__(self):
        # Files and records written when shifts was true or false: true meant the four moves.
        if isinstance(self.shifts, bool):
            object.__setattr__(self, 'shifts', 4 if self.shifts else 0)

    @property
    def factor(self):
        """level = round(pixel / factor)."""
        return 256 / (self.levels - 1)

    @property
    def num_subpixels(self):
        return self.image_size ** 2 * self.colours

    @property
    def shape(self):
        """Shape of one image of levels."""
        return (self.image_size, self.image_size) + ((self.colours,) if self.colours > 1 else ())

    def same_training(self, other):
        """Whether other describes a model trained the same way on the same data."""
        ignore = dict.fromkeys(MEASURED)
        return dataclasses.replace(self, **ignore) == dataclasses.replace(other, **ignore)

    def problem(self):
        """What makes this description unusable, or None: every field is
        checked for type and range, as a file from elsewhere may hold anything."""
        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            return f'data set {self.dataset!r} is not one of {", ".join(DATASETS)}'
        if not isinstance(self.class_name, str):
            return f'class name {self.class_name!r} is not text'
        if not whole(self.colours, 1, 3) or self.colours != DATASETS[self.dataset].colours:
            return f'colours {self.colours!r} do not fit {self.dataset}'
        if not whole(self.image_size, 1, MAX_IMAGE_SIZE):
            return f'image size {self.image_size!r} is not a whole number within 1-{MAX_IMAGE_SIZE}'
        if not whole(self.levels, 2, 256):
            return f'levels {self.levels!r} is not a whole number within 2-256'
        if not isinstance(self.deskew, bool) or (self.deskew and self.colours != 1):
            return f'deskew {self.deskew!r} is not true or false, or not of grey images'
        if not isinstance(self.mirror, bool):
            return f'mirror {self.mirror!r} is not true or false'
        if not whole(self.shifts, 0) or self.shifts not in config.SHIFTS:
            return f'shifts {self.shifts!r} is not one of {", ".join(map(str, config.SHIFTS))}'
        if self.deskew and self.shifts:
            return 'shifts and deskew together: deskewing would centre the moved images again; use one'
        return self.record_problem() or self.architecture_problem()

    def record_problem(self):
        """What is wrong with the fields that record the training, or None."""
        if self.prior is not None and not (real(self.prior) and 0 < self.prior <= 1):
            return f'prior {self.prior!r} is not a share of the data (above 0, at most 1)'
        if self.fine_tuning_weight is not None and not (
                real(self.fine_tuning_weight) and 0 <= self.fine_tuning_weight <= MAX_WEIGHT):
            return (f'fine-tuning weight {self.fine_tuning_weight!r} is not a number within '
                    f'0-{MAX_WEIGHT}')
        if (self.fine_tuning_weight is None) != (self.fine_tuning_epochs is None):
            return 'fine-tuning is recorded without its weight or without its epochs'
        if self.loss is not None and not (real(self.loss) and math.isfinite(self.loss)):
            return f'loss {self.loss!r} is not a finite number'
        for name in ('held_out_bits', 'held_out_bits_99'):
            value = getattr(self, name)
            if value is not None and not (real(value) and math.isfinite(value) and value >= 0):
                return f'{name} {value!r} is not a finite number of at least 0'
        for name, low, high in (('num_images', 1, None), ('skip', 0, None), ('epochs', 0, None),
                                ('batch_size', 1, None), ('seed', 0, 2**32 - 1),
                                ('fine_tuning_epochs', 1, None)):
            value = getattr(self, name)
            if value is not None and not whole(value, low, high):
                return (f'{name} {value!r} is not a whole number of at least {low}'
                        + (f' and at most {high}' if high else ''))
        for name in ('data_source', 'keras_version'):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                return f'{name} {getattr(self, name)!r} is not text'
        return None

    def architecture_problem(self):
        """What is wrong with arch and params, or None: each parameter checked
        against the architecture's declaration of it, then together with the
        rest of the description by the architecture itself."""
        if not isinstance(self.arch, str) or self.arch not in ARCHITECTURES:
            return f'architecture {self.arch!r} is not one of {", ".join(ARCHITECTURES)}'
        architecture = ARCHITECTURES[self.arch]
        expected = architecture.PARAMS
        if not isinstance(self.params, dict) or sorted(self.params) != sorted(expected):
            given = ', '.join(self.params) if isinstance(self.params, dict) else repr(self.params)
            return f'{self.arch} takes {", ".join(expected)}, not {given}'
        for name, param in expected.items():
            if not param.allows(self.params[name]):
                return f'{self.arch} {name} {self.params[name]!r} is not {param.allowed}'
        return architecture.problem(self)

    def summary(self):
        """One line for people: what it models and how it was trained."""
        params = ', '.join(f'{key} {value}' for key, value in self.params.items())
        text = (f'{self.dataset} {self.class_name}: {self.image_size}x{self.image_size}, '
                f'{self.levels} levels, {"colour" if self.colours > 1 else "grey"}, '
                f'{self.arch} ({params})')
        if self.deskew:
            text += ', deskewed'
        if self.epochs is not None:
            text += (f'; {counted(self.epochs, "epoch")} on {counted(self.num_images, "image")} '
                     f'of {self.data_source}')
            if self.skip:
                text += f' after the first {self.skip} of the class'
            if self.shifts:
                text += (', moved by a pixel each way too' if self.shifts == 4 else
                         ', moved by a pixel in all eight directions too')
            if self.mirror:
                text += ' and their mirror images'
        if self.loss is not None:
            text += f', loss {self.loss:.4f}'
        if self.held_out_bits is not None and self.held_out_bits_99 is not None:
            text += (f'; {self.held_out_bits:.3f} bits/dim on held-out images, 99% under '
                     f'{self.held_out_bits_99:.3f}')
        if self.fine_tuning_epochs is not None:
            text += (f'; fine-tuned with the other classes\' models for '
                     f'{counted(self.fine_tuning_epochs, "epoch")}, density weight '
                     f'{self.fine_tuning_weight:g}')
        if self.prior is not None:
            text += f'; prior {self.prior:.4f}'
        return text


def real(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def counted(number, noun):
    """'1 epoch', '12 epochs'."""
    return f'{number} {noun}' if number == 1 else f'{number} {noun}s'

