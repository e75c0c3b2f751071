"""The command line's parser and flag types, shared by the scripts.

Kept free of Keras so that bad flags are answered at once, before the
seconds it takes to import TensorFlow.
"""
import argparse
import functools
import math
import re

from pixel_rnn.datasets import DATASETS
from pixel_rnn.description import CONSTRAINTS
from pixel_rnn.modelfile.places import in_project


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows each flag's default, where it has one."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class ArgumentParser(argparse.ArgumentParser):
    def __init__(self, **kwargs):
        kwargs.setdefault('formatter_class', HelpFormatter)
        # Whole flag names only: argparse would read --data=x as --dataset=x.
        kwargs.setdefault('allow_abbrev', False)
        super().__init__(**kwargs)

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def as_arguments(**flags):
    """Flags given by name, as the command line gives them: num_images=100
    as --num_images=100, a flag set to True bare, False or None left out."""
    return [f'--{name}' if value is True else f'--{name}={value}'
            for name, value in flags.items() if value is not None and value is not False]


def number(kind, low, high, what, choices=None):
    """Flag type: a whole (kind int) or finite number within low-high (None:
    no bound), or one of choices, in plain ASCII (int() would also take ' 3 '
    and other scripts' digits)."""
    form = str if kind is int else '{:g}'.format
    allowed = (', '.join(map(str, choices[:-1])) + f' or {choices[-1]}' if choices else
               f'{form(low)}-{form(high)}' if low is not None and high is not None else
               f'{form(low)} or more' if low is not None else
               f'{form(high)} or less' if high is not None else 'a number')

    def parse(text):
        try:
            value = kind(text) if re.fullmatch(
                r'-?[0-9]+' if kind is int else r'[0-9.eE+-]+', text) else None
        except ValueError:
            value = None
        if (value is None or kind is float and not math.isfinite(value)
                or choices and value not in choices or low is not None and value < low
                or high is not None and value > high):
            raise argparse.ArgumentTypeError(f'{text!r} is not a valid {what}; use {allowed}')
        return value
    return parse


# Flag types: a whole or a finite number within low-high, as number says.
int_in_range = functools.partial(number, int)
float_in_range = functools.partial(number, float)


def boolean(text):
    """Accepts the tutorial's --all_digits=True as well as a bare --all_digits."""
    if text.lower() in ('true', '1', 'yes', 'false', '0', 'no'):
        return text.lower() in ('true', '1', 'yes')
    raise argparse.ArgumentTypeError(f'{text!r} is not true or false')


def param_values(param, what):
    """add_argument's type (or choices) for a flag of the values param allows."""
    if param.kind is bool:
        return dict(type=boolean)
    if param.kind is str:
        return dict(choices=param.choices)
    return dict(type=number(param.kind, param.low, param.high, what, param.choices))


def class_label(class_names, noun='class'):
    """Flag type: a class given by number or by name (noun: what the data set
    calls a class); gives its number."""
    allowed = classes_allowed(class_names)

    def parse(text):
        if text in class_names:
            return class_names.index(text)
        if re.fullmatch('[0-9]+', text) and int(text) < len(class_names):
            return int(text)
        raise argparse.ArgumentTypeError(f'{text!r} is not a valid {noun}; use {allowed}')
    return parse


def classes_allowed(class_names):
    """How a class of class_names may be given, in words."""
    numbers = f'0-{len(class_names) - 1}'
    # MNIST's classes are their own numbers: a list of them would say no more.
    if list(class_names) == [str(n) for n in range(len(class_names))]:
        return numbers
    return f"{numbers} or one of {', '.join(class_names)}"


positive_int = int_in_range(1, None, 'count')
# A seed takes the values a model file may record.
seed = param_values(CONSTRAINTS['seed'], 'seed')['type']

# The help of the flags that name a data set, or take one of any data set.
DATASET_HELP = '; '.join(f'{name}: {settings.about}' for name, settings in DATASETS.items())
ANY_DATA_HELP = '. '.join(f'{settings.title}: {settings.data_help}'
                          for settings in DATASETS.values())
ANY_MODELS_DIR_HELP = ('default: ' + ', '.join(in_project(settings.default_models_dir())
                                               for settings in DATASETS.values())
                       + ', by --dataset')
