"""Param: one value a model file records, declared once with all that is known of it.

Its type and allowed values check what a file holds (ModelInfo.problem),
make its training flag and that flag's bounds (training/flags.py) and
say it in a model's summary (ModelInfo.summary): so a value is one
declaration, in ModelInfo for what every model records and in an
architecture's PARAMS for its hyper-parameters.
"""
import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class Param:
    """One recorded value.

    kind: bool, int, float or str (default: the default's type). A number
    lies within low-high (high None: no limit; a float is also finite) or
    is one of choices; text is one of choices (a registry's keys, say, as it
    is then), or any text without them.
    optional: None is allowed too (a record that lacks it). default: a new
    model's value, and its flag's.

    Its training flag, where it has help: --flag (default: the value's own
    name) in the group of that title, giving the value less offset
    (--max_intensity gives levels - 1); given bare, it stands for const (a
    flag of true or false needs none). offered: the data set setting
    (a field of pixel_rnn.datasets.settings.Settings) that must be true for the flag to be
    offered.

    said: how a summary says it, the value formatted into it (a function of
    the value, or a format string; for true or false, said when true);
    nothing is said of None or false, or where the function gives None.
    part: the summary's part it is said in; a phrase that begins with a
    space or a comma goes on the phrase before it, others follow it after a
    comma.

    measured: what training measures of a model rather than asks for (the
    same training may measure it otherwise).

    alike: of a ModelInfo field a training sets, that the models of a set
    trained alike share it, so that one whose differs is noted
    (modelfile/sets.py); false where they differ in it all the same: by
    nature (a class's own count of images, its share of the data) or by
    the draw alone (the seed)."""
    default: object = None
    low: float = None
    high: float = None
    choices: tuple = None
    kind: type = None
    optional: bool = False
    help: str = None
    flag: str = None
    group: str = 'model'
    offset: int = 0
    const: object = None
    offered: str = None
    said: object = None
    part: str = None
    measured: bool = False
    alike: bool = True

    def __post_init__(self):
        if self.kind is None:
            object.__setattr__(self, 'kind', type(self.default))
        if self.kind not in (bool, int, float, str):
            raise TypeError(f'a Param is of bool, int, float or str, not {self.kind}')

    def allows(self, value):
        if value is None:
            return self.optional
        if self.kind is bool:
            return isinstance(value, bool)
        if self.kind is str:
            return isinstance(value, str) and (self.choices is None or value in self.choices)
        if self.kind is int and not whole(value, -math.inf):
            return False
        if not real(value) or not math.isfinite(value):
            return False
        if self.choices is not None:
            return value in self.choices
        return ((self.low is None or self.low <= value)
                and (self.high is None or value <= self.high))

    @property
    def allowed(self):
        """The values allows takes, in words."""
        if self.kind is bool:
            text = 'true or false'
        elif self.choices is not None:
            text = f"one of {', '.join(map(str, self.choices))}"
        elif self.kind is str:
            text = 'text'
        else:
            noun, low, high = (('a whole number', self.low, self.high) if self.kind is int else
                               ('a finite number', *(bound if bound is None else f'{bound:g}'
                                                     for bound in (self.low, self.high))))
            text = (f'{noun} within {low}-{high}' if self.high is not None else
                    f'{noun} of at least {low}' if self.low is not None else noun)
        return text + (', or none' if self.optional else '')

    def phrase(self, value):
        """What a summary says of value, or None."""
        if self.said is None or value is None or value is False:
            return None
        if self.kind is bool:
            return self.said
        return self.said(value) if callable(self.said) else self.said.format(value)


def defaults(params):
    """The parameters of a new model: each Param of params at its default."""
    return {name: param.default for name, param in params.items()}


def real(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def whole(value, low, high=None):
    """Whether value is a whole number (true and false are not) within low-high."""
    return (isinstance(value, int) and not isinstance(value, bool) and low <= value
            and (high is None or value <= high))
