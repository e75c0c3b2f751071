"""Param: what one recorded value may hold, and its default.

A table of them is a record's constraints, as scikit-learn's
_parameter_constraints are: ModelInfo's (description.py) and each
architecture's PARAMS. ModelInfo.problem checks a file's values by them,
and the training flags parse theirs by them (cli.param_values).
"""
import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class Param:
    """default: a new model's value. kind: bool, int, float or str (default:
    the default's type). A number lies within low-high (None: no bound; a
    float is also finite) or is one of choices; text is one of choices, or
    any text without them. optional: None is allowed too (a record that
    lacks it). help: its training flag's, where it has one."""
    default: object = None
    low: float = None
    high: float = None
    choices: tuple = None
    kind: type = None
    optional: bool = False
    help: str = None

    def __post_init__(self):
        if self.kind is None:
            object.__setattr__(self, 'kind', type(self.default))
        if self.kind not in (bool, int, float, str):
            raise TypeError(f'a Param is of bool, int, float or str, not {self.kind}')

    def allows(self, value):
        if value is None:
            return self.optional
        if self.kind in (bool, str):
            return isinstance(value, self.kind) and (self.choices is None
                                                     or value in self.choices)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                isinstance(value, int) or self.kind is float and math.isfinite(value)):
            return False
        if self.choices is not None:
            return value in self.choices
        return (self.low is None or self.low <= value) and (self.high is None
                                                             or value <= self.high)

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


def defaults(params):
    """The parameters of a new model: each Param of params at its default."""
    return {name: param.default for name, param in params.items()}
