"""ModelInfo: what a model file models and how it was trained, checked field by field.

Free of Keras, as the architectures' declarations are, so that the command
line builds and checks the description of a training before Keras starts,
and worker processes receive it as it is.
"""
import dataclasses

from pixel_rnn import defaults
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import Param
from pixel_rnn.datasets import DATASETS
from pixel_rnn.errors import UsageError

# Bounds on what a description may ask for: generous for real models, and
# small enough that no file can ask for absurd memory.
MAX_IMAGE_SIZE = 256
MAX_WEIGHT = 1000  # fine-tuning's density weight
# Images of a class a model is measured on once trained (ModelInfo.held_out_bits).
HELD_OUT = 1000


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What a model file models and how it was trained (None: not recorded).
    A new field: a line here, its CONSTRAINTS, and its place in summary and
    in MEASURED or modelfile/sets.py's TRAINING_FIELDS."""
    dataset: str
    class_name: str
    image_size: int
    levels: int
    colours: int  # 1 grey, 3 RGB
    arch: str
    params: dict  # the architecture's hyper-parameters, constrained by its PARAMS
    deskew: bool = False
    prior: float = None  # the class's share of the training data
    epochs: int = None  # completed
    num_images: int = None  # those of the class trained on, fewer where it has fewer
    data_source: str = None
    skip: int = None
    shifts: int = 0  # one-pixel moves of each image trained on besides it (defaults.SHIFTS)
    mirror: bool = False
    loss: float = None  # training loss of the last epoch
    # Measured once trained, on up to HELD_OUT images of the class it was not
    # trained on: their mean bits/dim, and the bits/dim that 1% and 99% of
    # them stay under (a picture outside them is unlike what the model was
    # made for: far above, a picture it cannot explain; far below, one simpler
    # than any it was made for, as a blank page is).
    held_out_bits: float = None
    held_out_bits_1: float = None
    held_out_bits_99: float = None
    # Fine-tuned afterwards with the other classes' models (training/fine_tuning.py):
    # the epochs of it, and the density term's weight.
    fine_tuning_epochs: int = None
    fine_tuning_weight: float = None
    batch_size: int = None
    seed: int = None
    keras_version: str = None

    def __post_init__(self):
        # Records written when shifts was true or false: true meant the four moves.
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
        """What makes this description unusable, or None: each field by its
        constraint (a file from elsewhere may hold anything), the rules that
        tie fields together, and the parameters by the architecture's."""
        for name, param in CONSTRAINTS.items():
            value = getattr(self, name)
            if not param.allows(value):
                return f'{name} {value!r} is not {param.allowed}'
        if self.colours != DATASETS[self.dataset].colours:
            return f'colours {self.colours!r} do not fit {self.dataset}'
        if self.deskew and self.colours != 1:
            return 'deskew is of grey images only'
        if self.deskew and self.shifts:
            return ('shifts and deskew together: deskewing would centre the moved images '
                    'again; use one')
        if (self.held_out_bits_1 is not None and self.held_out_bits_99 is not None
                and self.held_out_bits_1 > self.held_out_bits_99):
            return (f'held_out_bits_1 {self.held_out_bits_1!r} is above held_out_bits_99 '
                    f'{self.held_out_bits_99!r}; the 1st percentile lies below the 99th')
        if self.prior == 0:
            return 'prior 0 is no share of the data'
        if (self.fine_tuning_weight is None) != (self.fine_tuning_epochs is None):
            return 'fine-tuning is recorded without its weight or without its epochs'
        architecture = ARCHITECTURES[self.arch]
        expected = architecture.PARAMS
        if not isinstance(self.params, dict) or sorted(self.params) != sorted(expected):
            given = ', '.join(self.params) if isinstance(self.params, dict) else repr(self.params)
            return f'{self.arch} takes {", ".join(expected)}, not {given}'
        for name, param in expected.items():
            if not param.allows(self.params[name]):
                return f'{self.arch} {name} {self.params[name]!r} is not {param.allowed}'
        return architecture.problem(self)

    def checked(self, before, after=''):
        """This description, where problem finds nothing; else a UsageError
        of the problem between before and after (what the refusal says)."""
        problem = self.problem()
        if problem:
            raise UsageError(f'{before}{problem}{after}')
        return self

    def summary(self):
        """One line for people: what it models and how it was trained (the run's details aside)."""
        params = ', '.join(f'{key} {value}' for key, value in self.params.items())
        model = joined(f'{self.dataset} {self.class_name}: {self.image_size}x{self.image_size}, '
                       f'{self.levels} levels, {"colour" if self.colours > 1 else "grey"}, '
                       f'{self.arch} ({params})', self.deskew and 'deskewed')
        training = joined('', self.epochs and counted(self.epochs, 'epoch'),
                          self.num_images and ' on ' + counted(self.num_images, 'image'),
                          self.data_source is not None and f' of {self.data_source}',
                          self.skip and f' after the first {self.skip} of the class',
                          {4: ', moved by a pixel each way too',
                           8: ', moved by a pixel in all eight directions too'}.get(self.shifts),
                          self.mirror and ' and their mirror images',
                          self.loss is not None and f'loss {self.loss:.4f}')
        held_out = joined('', self.held_out_bits is not None
                          and f'{self.held_out_bits:.3f} bits/dim on held-out images',
                          self.held_out_bits_1 is not None
                          and f'1% under {self.held_out_bits_1:.3f}',
                          self.held_out_bits_99 is not None
                          and f'99% under {self.held_out_bits_99:.3f}')
        fine_tuning = joined('', self.fine_tuning_epochs and "fine-tuned with the other classes' "
                             'models for ' + counted(self.fine_tuning_epochs, 'epoch'),
                             self.fine_tuning_weight is not None
                             and f'density weight {self.fine_tuning_weight:g}')
        prior = self.prior is not None and f'prior {self.prior:.4f}'
        return '; '.join(part for part in (model, training, held_out, fine_tuning, prior) if part)

    def details(self):
        """What describe.py says besides the summary: the run's settings."""
        return joined('', self.batch_size and f'batch {self.batch_size}',
                      self.seed is not None and f'seed {self.seed}',
                      self.keras_version is not None and f'written by Keras {self.keras_version}')


# What each field may hold (the architecture's params aside).
CONSTRAINTS = {
    'dataset': Param(kind=str, choices=DATASETS),
    'class_name': Param(kind=str),
    'image_size': Param(defaults.target_size, low=1, high=MAX_IMAGE_SIZE),
    'levels': Param(defaults.levels, low=2, high=256),
    'colours': Param(kind=int, choices=(1, 3)),
    'arch': Param(kind=str, choices=ARCHITECTURES),
    'deskew': Param(False),
    'prior': Param(kind=float, low=0, high=1, optional=True),
    'epochs': Param(kind=int, low=1, high=100_000, optional=True),
    'num_images': Param(defaults.num_images, low=1, optional=True),
    'data_source': Param(kind=str, optional=True),
    'skip': Param(0, low=0, optional=True),
    'shifts': Param(0, choices=defaults.SHIFTS),
    'mirror': Param(False),
    'loss': Param(kind=float, optional=True),
    'held_out_bits': Param(kind=float, low=0, optional=True),
    'held_out_bits_1': Param(kind=float, low=0, optional=True),
    'held_out_bits_99': Param(kind=float, low=0, optional=True),
    'fine_tuning_epochs': Param(kind=int, low=1, optional=True),
    'fine_tuning_weight': Param(kind=float, low=0, high=MAX_WEIGHT, optional=True),
    'batch_size': Param(defaults.batch_size, low=1, high=65_536, optional=True),
    'seed': Param(kind=int, low=0, high=2**32 - 1, optional=True),
    'keras_version': Param(kind=str, optional=True),
}
# What a model's training measures of it rather than asks for: its backup is
# tied to none of them.
MEASURED = ('loss', 'held_out_bits', 'held_out_bits_1', 'held_out_bits_99', 'keras_version')


def joined(text, *phrases):
    """text and phrases (those given): one that begins with a space or a
    comma goes on the one before it, others follow it after a comma."""
    for phrase in filter(None, phrases):
        text += phrase if not text or phrase[0] in ' ,' else ', ' + phrase
    return text


def counted(number, noun):
    """'1 epoch', '12 epochs'."""
    return f'{number} {noun}' if number == 1 else f'{number} {noun}s'
