"""Command-line plumbing shared by the scripts: flags and the one-line error runner.

Kept free of Keras so that bad flags are answered at once, before the
seconds it takes to import TensorFlow.
"""
import argparse
import errno
import os
import re
import signal
import sys

import config
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import defaults
from pixel_rnn.description import MAX_WEIGHT, ModelInfo
from pixel_rnn.datasets import DATASETS
from pixel_rnn import startup
from pixel_rnn.errors import UsageError, shown
from pixel_rnn.modelfile import sidecars


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


def run(main, resumes=False):
    """Run a script's main(), turning UsageError into one line and exit
    status 2. SIGTERM and SIGHUP (a terminal closed) stop it as Ctrl-C does,
    so that what it was writing is cleared away. resumes: whether running
    the same command again goes on where this one stopped (training)."""
    prog = os.path.basename(sys.argv[0])
    again = ' (run the same command again to resume training)' if resumes else ''
    previous = {number: signal.signal(number, startup.interrupt) for number in startup.STOP_SIGNALS
                if number != signal.SIGINT}
    try:
        main()
    except UsageError as error:
        print(f'{prog}: error: {shown(error)}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as interruption:
        print(f'{prog}: {"stopped" if isinstance(interruption, startup.Stopped) else "interrupted"}'
              f'; every file in place is as before or complete{again}', file=sys.stderr)
        sys.exit(128 + getattr(interruption, 'signum', signal.SIGINT))
    except BrokenPipeError:  # output piped into a reader that stopped, like head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as error:  # a full disk, a folder taken away: the system's, not a bug
        print(f'{prog}: error: {shown(system_error(error, resumes))}', file=sys.stderr)
        sys.exit(1)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def system_error(error, resumes=False):
    """An OSError in one line; for a full disk, also that nothing was harmed."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f' (writing {error.filename})' if error.filename else ''
        return (f'the disk is full{where}; every file in place is as before or complete '
                '(free some space and run the same command again'
                + (': training resumes where it stopped)' if resumes else ')'))
    return ' '.join(str(error).split())


def as_arguments(**flags):
    """Flags given by name, as the command line gives them: num_images=100
    as --num_images=100, a flag set to True bare, False or None left out."""
    return [f'--{name}' if value is True else f'--{name}={value}'
            for name, value in flags.items() if value is not None and value is not False]


def int_in_range(low, high, what):
    """Flag type: a whole number low-high, in plain ASCII digits (int() would
    also take ' 3 ' and other scripts' digits)."""
    def parse(text):
        if not re.fullmatch(r'-?[0-9]+', text) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f'{text!r} is not a valid {what}; use {low}-{high}')
        return int(text)
    return parse


def float_in_range(low, high, what):
    def parse(text):
        try:
            value = float(text) if re.fullmatch(r'[0-9.eE+-]+', text) else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f'{text!r} is not a valid {what}; use {low}-{high}')
        return value
    return parse


def boolean(text):
    """Accepts the tutorial's --all_digits=True as well as a bare --all_digits."""
    lowered = text.lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError(f'{text!r} is not true or false')


def shift_count(text):
    if not re.fullmatch('[0-9]+', text) or int(text) not in config.SHIFTS[1:]:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a count of moves; use 4 (up, down, left, right) or 8 (also '
            'the diagonals)')
    return int(text)


def class_label(class_names, noun='class'):
    """Flag type: a class given by number or by name; gives its number. noun
    is what the data set calls a class."""
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


def add_training_flags(parser, what, settings):
    """The flags of training on settings' data set, in their groups."""
    what.add_argument('--num_images', type=positive_int, default=config.num_images,
                      help='training images per class; more than there are means all')
    what.add_argument('--skip', type=int_in_range(0, MAX_IMAGES, 'count'), default=0,
                      help='leave out the first N training images of each class')
    model = parser.add_argument_group('model')
    add_architecture_flags(model)
    model.add_argument('--target_size', type=int_in_range(1, 256, 'target_size'),
                       default=settings.target_size,
                       help='images are shrunk to target_size x target_size')
    model.add_argument('--max_intensity', type=int_in_range(1, 255, 'max_intensity'),
                       default=settings.max_intensity,
                       help='the highest of the levels pixels are quantized to')
    if settings.can_deskew:
        model.add_argument('--deskew', action='store_true',
                           help='shear each image upright and centre it by its moments before '
                                'shrinking (the model file says so, and classification does '
                                'the same to the images it classifies)')
    what.add_argument('--shifts', type=shift_count, nargs='?', const=4, default=0,
                      help='also train on each image moved by one pixel up, down, left and '
                           'right (an epoch takes five times as long), or with --shifts=8 '
                           'also diagonally (nine times)')
    if settings.can_mirror:
        what.add_argument('--mirror', action='store_true',
                          help="also train on each image's mirror image (left-right), which "
                               'is as likely a picture of its class; an epoch takes twice as long')
    how = parser.add_argument_group('how')
    how.add_argument('--epochs', type=int_in_range(1, 100_000, 'epoch count'), default=None,
                     help=f'passes over the training images (default {config.epochs}; with '
                          f'--discriminative {config.fine_tuning_epochs})')
    how.add_argument('--batch_size', type=int_in_range(1, 65_536, 'batch size'),
                     default=config.batch_size, help='images per training step')
    how.add_argument('--seed', type=seed, default=None, help='for repeatable runs')
    how.add_argument('--jobs', type=int_in_range(1, 256, 'job count'), default=None,
                     help='classes trained at once, each in a process of its own '
                          '(default: as many as there are cores)')
    how.add_argument('--distribute', action='store_true',
                     help="one model on all local GPUs (else CPUs) with TensorFlow's "
                          'MirroredStrategy, classes one at a time')
    how.add_argument('--discriminative', type=float_in_range(0, MAX_WEIGHT, 'weight'), nargs='?',
                     const=config.fine_tuning_weight, default=None, metavar='WEIGHT',
                     help='instead of training class by class, fine-tune the trained models of '
                          '--models_dir together so that Bayes\' rule tells the classes apart '
                          '(with every class): the loss is -log p(class | image) + WEIGHT x '
                          'the own model\'s -log p(image) per sub-pixel (default WEIGHT '
                          f'{config.fine_tuning_weight:g}); on --num_images of each class after '
                          '--skip, best images the models were not trained on')
    how.add_argument('--restart', action='store_true',
                     help='train from scratch even where an interrupted run of this training '
                          'could resume, or its finished model exists')
    where = parser.add_argument_group('where')
    where.add_argument('--data', default=None, help=settings.data_help)
    where.add_argument('--models_dir', default=None,
                       help='models are written to model_{class}.h5 there (default: '
                            + ', '.join(f'{in_project(settings.default_models_dir(arch))} for '
                                        f'--arch={arch}' for arch in ARCHITECTURES) + ')')
    where.add_argument('--logdir', default=None, help='write TensorBoard logs here')


def add_architecture_flags(group):
    """--arch, and a flag for each architecture's parameter that has one, its
    values as the architecture declares them."""
    group.add_argument('--arch', choices=tuple(ARCHITECTURES), default='gru',
                       help='architecture: ' + ', or '.join(
                           f'{arch}, {architecture.SUMMARY}'
                           for arch, architecture in ARCHITECTURES.items()))
    for name, params in architecture_flags().items():
        # A flag of several architectures takes the first's values; each
        # architecture's own bounds are checked as the ModelInfo is.
        param = next(iter(params.values()))
        values = (dict(type=boolean) if isinstance(param.default, bool) else
                  dict(type=int_in_range(param.low, param.high, 'value'))
                  if isinstance(param.default, int) else dict(choices=param.choices))
        group.add_argument(f'--{name}', default=None, **values, help='; '.join(
            f'{arch}: {param.help} (default {param.default})' for arch, param in params.items()))


def architecture_flags():
    """Each parameter flag's name, with the Param of each architecture that has it."""
    flags = {}
    for arch, architecture in ARCHITECTURES.items():
        for name, param in architecture.PARAMS.items():
            if param.help:
                flags.setdefault(name, {})[arch] = param
    return flags


def training_template(args, settings, class_names):
    """The ModelInfo the training flags ask for, its class left blank, after
    checking that they go together and that the models of class_names can
    be written where they should go: all before Keras starts."""
    flags = architecture_flags()
    given = {name: getattr(args, name) for name in flags if getattr(args, name) is not None}
    foreign = {}  # the flags given that args.arch lacks, by the architectures that have them
    for name in given:
        if args.arch not in flags[name]:
            foreign.setdefault(' or '.join(f'--arch={arch}' for arch in flags[name]), []).append(
                f'--{name}')
    if foreign:
        # Refused rather than ignored: the user meant something by them.
        raise UsageError('; '.join(f"{', '.join(names)} {'applies' if len(names) == 1 else 'apply'}"
                                   f' to {owners}' for owners, names in foreign.items())
                         + f', not --arch={args.arch}')
    if args.distribute and args.jobs not in (None, 1):
        raise UsageError(f'--distribute trains one class at a time on all devices; '
                         f'leave out --jobs={args.jobs}')
    template = ModelInfo(
        dataset=settings.name, class_name='', image_size=args.target_size,
        levels=args.max_intensity + 1, colours=settings.colours, arch=args.arch,
        params={**defaults(ARCHITECTURES[args.arch].PARAMS), **given}, skip=args.skip,
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
        deskew=getattr(args, 'deskew', False), mirror=getattr(args, 'mirror', False),
        shifts=args.shifts)
    problem = template.problem()
    if problem:
        raise UsageError(f'cannot train that: {problem}')
    check_models_dir(args.models_dir,
                     [config.model_path(args.models_dir, name) for name in class_names], settings)
    if args.logdir:
        check_folder('--logdir', args.logdir)
    return template


def check_models_dir(models_dir, paths, settings):
    """Fail now, before data is loaded or an epoch spent, where the models
    of paths could not be written in models_dir; checked without making
    anything, so a run refused later leaves no trace."""
    check_folder('--models_dir', models_dir)
    check_set_in_place(models_dir, settings)
    # Training writes each of these as a file (folder) of its own, never
    # through a link: what a link points to may be anyone's.
    places = [place for path in paths for place in sidecars.own_places(path)]
    for own, folder in places + [(sidecars.fine_tuning_dir(models_dir), True)]:
        if os.path.islink(own):
            raise UsageError(f'{own} is a symbolic link (to {os.readlink(own)}); training '
                             'writes its own files there: remove the link or give another '
                             '--models_dir')
        if os.path.exists(own) and os.path.isdir(own) != folder:
            raise UsageError(f'{own} is not a {"folder" if folder else "file"}; move it '
                             'away or give another --models_dir')


# Bytes to spare beyond a folder's path for the names written in it
# (model_automobile.h5.resume/epoch_00001.<process>@<host>.tmp.weights.h5).
ROOM_FOR_NAMES = 160


def check_folder(flag, folder):
    """That folder, the value of flag, can be made where missing and written
    in: checked without making anything."""
    existing = existing_part(folder)
    if not os.path.isdir(existing):
        raise UsageError(f'{flag} {folder}: {existing} is a file; give a folder')
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f'{flag} {folder}: cannot write in {existing}; '
                         'give a folder you can write to')
    check_lengths(flag, folder, existing, ROOM_FOR_NAMES)


def existing_part(path):
    """path, or the nearest folder above it that exists."""
    while not os.path.lexists(path):
        path = os.path.dirname(path) or '.'
    return path


def check_lengths(flag, path, existing, room=0):
    """That each name along path is within the limit of the file system of
    existing, and path, with room bytes more, within its limit for a path:
    refused now rather than after the folders before it have been made."""
    longest_name = os.pathconf(existing, 'PC_NAME_MAX')
    for name in path.split(os.sep):
        if len(os.fsencode(name)) > longest_name:
            raise UsageError(f'{flag}: the name {shortened(name)} is {len(os.fsencode(name))} '
                             f'bytes long; this system allows {longest_name}')
    longest_path = os.pathconf(existing, 'PC_PATH_MAX')
    if len(os.fsencode(path)) + room > longest_path:
        raise UsageError(f'{flag} {shortened(path)}: the path is {len(os.fsencode(path))} bytes '
                         f'long; this system allows {longest_path - room} here')


def shortened(text):
    return text if len(text) <= 60 else f'{text[:40]}...{text[-12:]}'


def models_dir(path, default):
    """The models folder --models_dir names (default where not given). A
    relative one is taken from the current folder; where nothing is there
    but the project has it, the project's (README's commands name the
    shipped sets so, from the project's folder)."""
    if path is None:
        return default
    in_the_project = os.path.join(config.project_dir, path)
    if not os.path.isabs(path) and not os.path.exists(path) and os.path.exists(in_the_project):
        return in_the_project
    return path


def in_project(path):
    """path as README writes it: from the project's folder."""
    return os.path.relpath(path, config.project_dir)


def require_models(models_dir, class_names, settings, data=None):
    """Paths of the models of class_names (of settings' data set) in
    models_dir; a missing file names all missing ones and the command that
    trains them (on data, the --data the user gave), or for a set that ships
    with the project, how to restore it."""
    check_set_in_place(models_dir, settings)
    paths = [config.model_path(models_dir, name) for name in class_names]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        if os.path.abspath(models_dir) in config.SHIPPED_MODELS_DIRS:
            remedy = (f'they ship with the project: restore them with '
                      f'git checkout -- {in_project(os.path.abspath(models_dir))}')
        else:
            absent = [name for name, path in zip(class_names, paths) if path in missing]
            command = (settings.train_one_command.format(absent[0]) if len(absent) == 1
                       else settings.train_all_command)
            remedy = (f'train {"it" if len(absent) == 1 else "them"} with: {command} '
                      f'--models_dir={models_dir}'
                      + (f' --data={data}' if data else ''))
        raise UsageError(f"missing model files: {', '.join(missing)}; {remedy}")
    return paths


def check_set_in_place(models_dir, settings):
    """That models_dir holds no fine-tuned set whose install a run stopped
    midway: such a set is neither the old one nor the new, and is used by
    nothing until the command that finishes it has run."""
    if sidecars.install_pending(models_dir):
        raise UsageError(f'{models_dir} holds a fine-tuned set not yet all in place (a '
                         f'fine-tuning was stopped as it put the set there); finish it with: '
                         f'{settings.train_all_command} --discriminative '
                         f'--models_dir={models_dir}')


def progress_mode():
    """Keras's verbose for progress a user watches: a live bar on a terminal,
    one plain line at the end in a file or pipe, where the bar's control
    characters would garble the log."""
    return 1 if sys.stdout.isatty() else 2


def check_report_dir(report_dir, paths):
    """Fail now, before minutes of classifying, where --report's pictures
    (paths, in report_dir) could not be written; nothing is made yet."""
    check_folder('--report_dir', report_dir)
    for path in paths:
        if os.path.isdir(path):
            raise UsageError(f'--report_dir {report_dir}: {path} is a folder, where a picture '
                             'of the report goes; move it away or give another --report_dir')


def picture_path(path, default):
    """The picture file --out names (default where not given), and the Pillow
    format its suffix asks for; checked before minutes are spent drawing."""
    from PIL import Image
    path = default if path is None else path
    image_format = Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    if image_format not in Image.SAVE:
        raise UsageError(f'--out {path!r}: give a picture file name ending in .png, .jpg, '
                         '.bmp, .gif, .tif or .webp')
    existing = existing_part(os.path.dirname(path) or '.')
    if os.path.isdir(path) or not os.path.isdir(existing) or not os.access(existing, os.W_OK):
        raise UsageError(f'--out {path}: cannot write a file there; give a file name in a '
                         'folder you can write to')
    check_lengths('--out', path, existing)
    return path, image_format


MAX_IMAGES = 10 ** 9  # more than any data set holds: "all of them"
positive_int = int_in_range(1, MAX_IMAGES, 'count')
seed = int_in_range(0, 2**32 - 1, 'seed')

# The help of the flags that name a data set, or take one of any data set.
DATASET_HELP = '; '.join(f'{name}: {settings.about}' for name, settings in DATASETS.items())
ANY_DATA_HELP = '. '.join(f'{settings.title}: {settings.data_help}'
                          for settings in DATASETS.values())
ANY_MODELS_DIR_HELP = ('default: ' + ', '.join(in_project(settings.default_models_dir())
                                               for settings in DATASETS.values())
                       + ', by --dataset')
