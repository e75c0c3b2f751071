"""Hyper-parameters as an architecture declares them: default, allowed values, flag.

A model file records an architecture's parameters by name; each is checked
against its Param (ModelInfo.problem), and the training flags are made from
them (cli.py), so the bounds are written once, in the architecture's file.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Param:
    """One hyper-parameter: its default for new models and what a description
    may hold, by the default's type: a whole number within low-high, one of
    choices, or true or false. help: its training flag's help, where it has
    a flag (None: it has none)."""
    default: object
    low: int = None
    high: int = None
    choices: tuple = None
    help: str = None

    def allows(self, value):
        if isinstance(self.default, bool):
            return isinstance(value, bool)
        if isinstance(self.default, int):
            return whole(value, self.low, self.high)
        return isinstance(value, str) and value in self.choices

    @property
    def allowed(self):
        """The values allows takes, in words."""
        if isinstance(self.default, bool):
            return 'true or false'
        if isinstance(self.default, int):
            return f'a whole number within {self.low}-{self.high}'
        return f"one of {', '.join(self.choices)}"


def defaults(params):
    """The parameters of a new model: each Param of params at its default."""
    return {name: param.default for name, param in params.items()}


def whole(value, low, high=None):
    """Whether value is a whole number (true and false are not) within low-high."""
    return (isinstance(value, int) and not isinstance(value, bool) and low <= value
            and (high is None or value <= high))
