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

# Bounds on what a description may ask for: generous for real models, and
# small enough that no file can ask for absurd memory.
MAX_IMAGE_SIZE = 256
MAX_WEIGHT = 1000  # fine-tuning's density weight
# Images of a class a model is measured on once trained (ModelInfo.held_out_bits).
HELD_OUT = 1000


def recorded(param, required=False):
    """A field of ModelInfo, declared by its Param (params.py): required, or
    absent from a record as None (as the Param's default where it allows no None)."""
    default = dataclasses.MISSING if required else None if param.optional else param.default
    return dataclasses.field(default=default, metadata={'param': param})


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What a model file models and how it was trained: each field declared
    once, by its Param, with what it may hold, its training flag and how a
    summary says it. A new field is one line here."""
    dataset: str = recorded(Param(kind=str, choices=DATASETS), required=True)
    class_name: str = recorded(Param(kind=str), required=True)
    image_size: int = recorded(Param(
        defaults.target_size, low=1, high=MAX_IMAGE_SIZE, flag='target_size',
        help='images are shrunk to target_size x target_size'), required=True)
    levels: int = recorded(Param(
        defaults.levels, low=2, high=256, flag='max_intensity', offset=1,
        help='the highest of the levels pixels are quantized to'), required=True)
    colours: int = recorded(Param(kind=int, choices=(1, 3)), required=True)  # 1 grey, 3 RGB
    arch: str = recorded(Param(kind=str, choices=ARCHITECTURES), required=True)
    # The architecture's hyper-parameters, each declared by its PARAMS.
    params: dict = dataclasses.field(metadata={'param': None})
    deskew: bool = recorded(Param(
        False, help='shear each image upright and centre it by its moments before shrinking '
                    '(the model file says so, and classification does the same to the images '
                    'it classifies)', offered='can_deskew', said='deskewed', part='model'))
    # The class's share of the training data.
    prior: float = recorded(Param(kind=float, low=0, high=1, optional=True,
                                  said='prior {:.4f}', part='prior', alike=False))
    epochs: int = recorded(Param(  # completed; the flag's default depends on --discriminative
        kind=int, low=1, high=100_000, optional=True, group='how',
        help=f'passes over the training images (default {defaults.epochs}; with '
             f'--discriminative {defaults.fine_tuning_epochs})',
        said=lambda epochs: counted(epochs, 'epoch'), part='training'))
    num_images: int = recorded(Param(
        defaults.num_images, low=1, optional=True, group='what to train',
        help='training images per class; more than there are means all',
        said=lambda count: ' on ' + counted(count, 'image'), part='training',
        alike=False))  # recorded: those of the class trained on, fewer where it has fewer
    data_source: str = recorded(Param(kind=str, optional=True, said=' of {}', part='training'))
    skip: int = recorded(Param(
        0, low=0, optional=True, group='what to train',
        help='leave out the first N training images of each class',
        said=lambda skip: f' after the first {skip} of the class' if skip else None,
        part='training'))
    # One-pixel moves of each image trained on besides it (defaults.SHIFTS).
    shifts: int = recorded(Param(
        0, choices=defaults.SHIFTS, const=4, group='what to train',
        help='also train on each image moved by one pixel up, down, left and right (an epoch '
             'takes five times as long), or with --shifts=8 also diagonally (nine times)',
        said={4: ', moved by a pixel each way too',
              8: ', moved by a pixel in all eight directions too'}.get, part='training'))
    mirror: bool = recorded(Param(
        False, group='what to train', offered='can_mirror',
        help="also train on each image's mirror image (left-right), which is as likely a "
             'picture of its class; an epoch takes twice as long',
        said=' and their mirror images', part='training'))
    loss: float = recorded(Param(  # training loss of the last epoch
        kind=float, optional=True, said='loss {:.4f}', part='training', measured=True))
    # Measured once trained, on up to HELD_OUT images of the class it was not
    # trained on: their mean bits/dim, and the bits/dim that 1% and 99% of
    # them stay under (a picture outside them is unlike what the model was
    # made for: far above, a picture it cannot explain; far below, one simpler
    # than any it was made for, as a blank page is).
    held_out_bits: float = recorded(Param(
        kind=float, low=0, optional=True, said='{:.3f} bits/dim on held-out images',
        part='held out', measured=True))
    held_out_bits_1: float = recorded(Param(
        kind=float, low=0, optional=True, said='1% under {:.3f}', part='held out',
        measured=True))
    held_out_bits_99: float = recorded(Param(
        kind=float, low=0, optional=True, said='99% under {:.3f}', part='held out',
        measured=True))
    # Fine-tuned afterwards with the other classes' models (training/fine_tuning.py):
    # the epochs of it, and the density term's weight.
    fine_tuning_epochs: int = recorded(Param(
        kind=int, low=1, optional=True, part='fine-tuning',
        said=lambda epochs: "fine-tuned with the other classes' models for "
                            + counted(epochs, 'epoch')))
    fine_tuning_weight: float = recorded(Param(
        kind=float, low=0, high=MAX_WEIGHT, optional=True, said='density weight {:g}',
        part='fine-tuning'))
    # How the run went, said on a line of its own (DETAILS).
    batch_size: int = recorded(Param(
        defaults.batch_size, low=1, high=65_536, optional=True, group='how',
        help='images per training step', said='batch {}', part='run'))
    seed: int = recorded(Param(kind=int, low=0, high=2**32 - 1, optional=True, group='how',
                               help='for repeatable runs', said='seed {}', part='run',
                               alike=False))
    keras_version: str = recorded(Param(kind=str, optional=True, said='written by Keras {}',
                                        part='run', measured=True))

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
        checked against its declaration, as a file from elsewhere may hold
        anything, then the rules that tie fields together."""
        for name, param in declared().items():
            value = getattr(self, name)
            if not param.allows(value):
                return f'{name} {value!r} is not {param.allowed}'
        return self.rules_problem() or self.architecture_problem()

    def rules_problem(self):
        """What breaks a rule between fields, or None."""
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
        return None

    def architecture_problem(self):
        """What is wrong with params, or None: each parameter checked against
        the architecture's declaration of it, then together with the rest of
        the description by the architecture itself."""
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
        """One line for people: what it models and how it was trained, each
        field as its declaration says it (the run's details aside)."""
        params = ', '.join(f'{key} {value}' for key, value in self.params.items())
        head = (f'{self.dataset} {self.class_name}: {self.image_size}x{self.image_size}, '
                f'{self.levels} levels, {"colour" if self.colours > 1 else "grey"}, '
                f'{self.arch} ({params})')
        parts = [self.said('model', head)] + [self.said(part) for part in PARTS[1:]]
        return '; '.join(part for part in parts if part)

    def details(self):
        """What describe.py says besides the summary: the run's settings."""
        return self.said('run')

    def said(self, part, text=''):
        """text followed by what the fields of part say, as their declarations say it."""
        for name, param in declared().items():
            phrase = param.phrase(getattr(self, name)) if param.part == part else None
            if phrase:
                text += phrase if not text or phrase[0] in ' ,' else ', ' + phrase
        return text


# The parts of a summary, in order; 'run' is said apart (ModelInfo.details).
PARTS = ('model', 'training', 'held out', 'fine-tuning', 'prior')


def declared():
    """Each field's name and Param, in order; params, declared by the architectures, aside."""
    return {field.name: field.metadata['param'] for field in dataclasses.fields(ModelInfo)
            if field.metadata.get('param')}


# What a model's training measures of it rather than asks for: its backup is
# tied to none of them.
MEASURED = tuple(name for name, param in declared().items() if param.measured)


def counted(number, noun):
    """'1 epoch', '12 epochs'."""
    return f'{number} {noun}' if number == 1 else f'{number} {noun}s'

