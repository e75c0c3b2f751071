"""The training flags, made from what a model records (ModelInfo's fields and
each architecture's PARAMS), and the ModelInfo they ask for, checked before
Keras starts.
"""
import dataclasses

from pixel_rnn import cli, files
from pixel_rnn.architectures import ARCHITECTURES
from pixel_rnn.architectures.params import defaults
from pixel_rnn.defaults import fine_tuning_weight, model_path
from pixel_rnn.description import MAX_WEIGHT, ModelInfo, declared
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import places


def add_training_flags(parser, what, settings):
    """The flags of training on settings' data set, in their groups: what
    (a group of parser's, holding the class flags), model, how, where."""
    groups = {'what to train': what, 'model': parser.add_argument_group('model'),
              'how': parser.add_argument_group('how')}
    add_architecture_flags(groups['model'])
    for name, param in model_flags(settings).items():
        default = flag_default(name, param, settings)
        if param.kind is bool:
            groups[param.group].add_argument(f'--{name}', action='store_true', help=param.help)
            continue
        if param.offset:  # the flag's values, the field's less offset
            param = dataclasses.replace(param, low=param.low - param.offset,
                                        high=param.high - param.offset)
        values = cli.param_values(param, 'value')
        if param.const is not None:
            values.update(nargs='?', const=param.const)
        groups[param.group].add_argument(f'--{name}', default=default, help=param.help,
                                         **values)
    how = groups['how']
    how.add_argument('--jobs', type=cli.int_in_range(1, 256, 'job count'), default=None,
                     help='classes trained at once, each in a process of its own '
                          '(default: as many as there are cores)')
    how.add_argument('--distribute', action='store_true',
                     help="one model on all local GPUs (else CPUs) with TensorFlow's "
                          'MirroredStrategy, classes one at a time')
    how.add_argument('--discriminative', type=cli.float_in_range(0, MAX_WEIGHT, 'weight'),
                     nargs='?', const=fine_tuning_weight, default=None, metavar='WEIGHT',
                     help='instead of training class by class, fine-tune the trained models of '
                          '--models_dir together so that Bayes\' rule tells the classes apart '
                          '(with every class): the loss is -log p(class | image) + WEIGHT x '
                          'the own model\'s -log p(image) per sub-pixel (default WEIGHT '
                          f'{fine_tuning_weight:g}); on --num_images of each class after '
                          '--skip, best images the models were not trained on')
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


def model_flags(settings=None):
    """Each ModelInfo field's flag name, with its Param: the fields declared
    with help, less those settings' data set does not offer (with settings)."""
    return {param.flag or name: param for name, param in declared().items()
            if param.help and (settings is None or param.offered is None
                               or getattr(settings, param.offered))}


def flag_default(flag, param, settings):
    """A flag's default: the data set's where its entry holds one under the
    flag's name (target_size, max_intensity), else the declared one."""
    names = {field.name for field in dataclasses.fields(settings)}
    if flag in names:
        return getattr(settings, flag)
    return param.default - param.offset if param.offset else param.default


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
    fields = {}
    for name, param in declared().items():
        flag = param.flag or name
        if param.help and hasattr(args, flag):  # a flag the data set lacks: the field's default
            value = getattr(args, flag)
            fields[name] = value + param.offset if param.offset and value is not None else value
    template = ModelInfo(dataset=settings.name, class_name='', colours=settings.colours,
                         arch=args.arch, params={**defaults(ARCHITECTURES[args.arch].PARAMS),
                                                 **given}, **fields)
    problem = template.problem()
    if problem:
        raise UsageError(f'cannot train that: {problem}')
    places.check_models_dir(args.models_dir,
                            [model_path(args.models_dir, name) for name in class_names],
                            settings)
    if args.logdir:
        files.check_folder('--logdir', args.logdir)
    return template
