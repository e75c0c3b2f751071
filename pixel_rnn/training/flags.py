"""The training flags, and the ModelInfo they ask for, checked before Keras
starts. A flag takes the values its field may hold (description.CONSTRAINTS,
an architecture's PARAMS), as a model file's are checked.
"""
from pixel_rnn import cli, defaults, files
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import defaults as param_defaults
from pixel_rnn.description import CONSTRAINTS, MAX_WEIGHT, ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import places

# The ModelInfo field that each flag of what a model records sets (--max_intensity: levels - 1).
MODEL_FLAGS = {'target_size': 'image_size', 'max_intensity': 'levels', 'deskew': 'deskew',
               'num_images': 'num_images', 'skip': 'skip', 'shifts': 'shifts',
               'mirror': 'mirror', 'epochs': 'epochs', 'batch_size': 'batch_size',
               'seed': 'seed'}


def values(field):
    """add_argument's type (or choices) for a flag of field's values."""
    return cli.param_values(CONSTRAINTS[field], 'value')


def add_training_flags(parser, what, settings):
    """The flags of training on settings' data set, in their groups: what
    (a group of parser's, holding the class flags), model, how, where."""
    model, how = parser.add_argument_group('model'), parser.add_argument_group('how')
    add_architecture_flags(model)
    model.add_argument('--target_size', default=settings.target_size, **values('image_size'),
                       help='images are shrunk to target_size x target_size')
    levels = CONSTRAINTS['levels']
    model.add_argument('--max_intensity', default=settings.max_intensity,
                       type=cli.int_in_range(levels.low - 1, levels.high - 1, 'value'),
                       help='the highest of the levels pixels are quantized to')
    if settings.can_deskew:
        model.add_argument('--deskew', action='store_true',
                           help='shear each image upright and centre it by its moments before '
                                'shrinking (the model file says so, and classification does the '
                                'same to the images it classifies)')
    how.add_argument('--epochs', default=None, **values('epochs'),
                     help=f'passes over the training images (default {defaults.epochs}; with '
                          f'--discriminative {defaults.fine_tuning_epochs})')
    what.add_argument('--num_images', default=defaults.num_images, **values('num_images'),
                      help='training images per class; more than there are means all')
    what.add_argument('--skip', default=0, **values('skip'),
                      help='leave out the first N training images of each class')
    what.add_argument('--shifts', default=0, nargs='?', const=4, **values('shifts'),
                      help='also train on each image moved by one pixel up, down, left and right '
                           '(an epoch takes five times as long), or with --shifts=8 also '
                           'diagonally (nine times)')
    if settings.can_mirror:
        what.add_argument('--mirror', action='store_true',
                          help="also train on each image's mirror image (left-right), which is "
                               'as likely a picture of its class; an epoch takes twice as long')
    how.add_argument('--batch_size', default=defaults.batch_size, **values('batch_size'),
                     help='images per training step')
    how.add_argument('--seed', default=None, **values('seed'), help='for repeatable runs')
    how.add_argument('--jobs', type=cli.int_in_range(1, 256, 'job count'), default=None,
                     help='classes trained at once, each in a process of its own '
                          '(default: as many as there are cores)')
    how.add_argument('--distribute', action='store_true',
                     help="one model on all local GPUs (else CPUs) with TensorFlow's "
                          'MirroredStrategy, classes one at a time')
    how.add_argument('--discriminative', type=cli.float_in_range(0, MAX_WEIGHT, 'weight'),
                     nargs='?', const=defaults.fine_tuning_weight, default=None,
                     metavar='WEIGHT',
                     help='instead of training class by class, fine-tune the trained models of '
                          '--models_dir together so that Bayes\' rule tells the classes apart '
                          '(with every class): the loss is -log p(class | image) + WEIGHT x '
                          'the own model\'s -log p(image) per sub-pixel (default WEIGHT '
                          f'{defaults.fine_tuning_weight:g}); on --num_images of each class '
                          'after --skip, best images the models were not trained on')
    how.add_argument('--restart', action='store_true',
                     help='train from scratch even where an interrupted run of this training '
                          'could resume, or its finished model exists')
    where = parser.add_argument_group('where')
    where.add_argument('--data', default=None, help=settings.data_help)
    where.add_argument('--models_dir', default=None,
                       help='models are written to model_{class}.h5 there (default: '
                            + ', '.join(f'{places.in_project(settings.default_models_dir(arch))} '
                                        f'for --arch={arch}' for arch in ARCHITECTURES) + ')')
    where.add_argument('--logdir', default=None, help='write TensorBoard logs here')


def add_architecture_flags(group):
    """--arch, and a flag for each architecture's parameter that has help, its
    values as the architecture declares them."""
    group.add_argument('--arch', choices=tuple(ARCHITECTURES), default='gru',
                       help='architecture: ' + ', or '.join(
                           f'{arch}, {architecture.SUMMARY}'
                           for arch, architecture in ARCHITECTURES.items()))
    for name, params in architecture_flags().items():
        # A flag of several architectures takes the first's values; each
        # architecture's own bounds are checked as the ModelInfo is.
        param = next(iter(params.values()))
        group.add_argument(f'--{name}', default=None, **cli.param_values(param, 'value'),
                           help='; '.join(f'{arch}: {param.help} (default {param.default})'
                                          for arch, param in params.items()))


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
    # A flag the data set lacks (--deskew, --mirror) leaves its field at its default.
    fields = {field: getattr(args, flag) for flag, field in MODEL_FLAGS.items()
              if hasattr(args, flag)}
    template = ModelInfo(**{**fields, 'levels': args.max_intensity + 1},
                         dataset=settings.name, class_name='', colours=settings.colours,
                         arch=args.arch, params={**param_defaults(ARCHITECTURES[args.arch].PARAMS),
                                                 **given})
    template.checked('cannot train that: ')
    places.check_models_dir(args.models_dir,
                            [defaults.model_path(args.models_dir, name) for name in class_names],
                            settings)
    if args.logdir:
        files.check_folder('--logdir', args.logdir)
    return template
