"""Train a generative model (GRU or PixelCNN) for one class of a data set, or for all of them."""
import config
from pixel_rnn import cli, runner, startup
from pixel_rnn.datasets import DATASETS, DEFAULT
from pixel_rnn.modelfile import places, sets
from pixel_rnn.training import fine_tuning, flags
from pixel_rnn.training.classes import train_classes

# The flags --discriminative takes: what fine-tuning reads, and how and where
# it runs. Any other flag given is refused with it, a flag added later included:
# fine-tuning keeps everything the models record of themselves.
FINE_TUNING_FLAGS = ('dataset', 'label', 'all_classes', 'num_images', 'skip', 'epochs',
                     'batch_size', 'seed', 'distribute', 'discriminative', 'restart', 'data',
                     'models_dir')


def parse_args(settings=None, description=__doc__, argv=None):
    """The flags of training on settings' data set, with its class flag (--digit,
    --all_digits for MNIST); without settings, on the data set --dataset names,
    with --label and --all_labels. argv: default the command line's."""
    parser = cli.ArgumentParser(description=description)
    what = parser.add_argument_group('what to train')
    class_flag = 'label' if settings is None else settings.class_flag
    if settings is None:  # --dataset read first: the other flags' defaults are the data set's
        first = cli.ArgumentParser(add_help=False)
        first.add_argument('--dataset', choices=DATASETS, default=DEFAULT)
        settings = DATASETS[first.parse_known_args(argv)[0].dataset]
        what.add_argument('--dataset', choices=DATASETS, default=DEFAULT, help=cli.DATASET_HELP)
    one, every = f'--{class_flag}', f'--all_{class_flag}s'
    what.add_argument(one, dest='label', metavar=class_flag.upper(), default=None,
                      type=cli.class_label(settings.class_names, settings.class_noun),
                      help=settings.class_help)
    what.add_argument(every, dest='all_classes', metavar=every[2:].upper(), type=cli.boolean,
                      nargs='?', const=True, default=False,
                      help=f'train {settings.all_classes} ({every} or {every}=True)')
    flags.add_training_flags(parser, what, settings)
    args = parser.parse_args(argv)
    if args.all_classes and args.label is not None:
        parser.error(f'{every} trains {settings.all_classes}; '
                     f'leave out {one}={settings.class_names[args.label]}')
    args.label = args.label or 0
    if args.discriminative is not None:  # with the flags it needs, and none but those it takes
        given = [name for name, value in vars(args).items()
                 if name not in FINE_TUNING_FLAGS and value != parser.get_default(name)]
        if given:
            parser.error(f'--discriminative fine-tunes the models as they are; leave out '
                         f"--{', --'.join(given)}")
        if not args.all_classes:
            parser.error(f"--discriminative fine-tunes every class's model together; add {every}")
        if args.models_dir is None:
            parser.error('--discriminative fine-tunes the set of --models_dir in place (the '
                         'files it replaces kept beside them); give --models_dir')
    if args.epochs is None:
        args.epochs = config.epochs if args.discriminative is None else config.fine_tuning_epochs
    args.settings = settings
    args.models_dir = places.models_dir(args.models_dir, settings.default_models_dir(args.arch))
    return args


def main(args=None):
    args = args or parse_args()
    if args.discriminative is not None:
        return fine_tune_models(args)
    classes = args.settings.class_names
    template = flags.training_template(args, args.settings,
                                       classes if args.all_classes else [classes[args.label]])
    dataset = args.settings.load(args.data)  # before Keras: bad data is answered before its wait
    train_classes(dataset, template, None if args.all_classes else [args.label],
                  args.models_dir, args.num_images, args.restart, args.logdir, args.jobs,
                  args.distribute)


def fine_tune_models(args):
    """--discriminative: the set of --models_dir fine-tuned together, or its install finished."""
    settings = args.settings
    if places.install_pending(args.models_dir):
        # A run stopped as it put its new set in place: finished with no data.
        startup.start_keras()
        fine_tuning.finish_set(args.models_dir, settings.class_names, args.restart)
    paths = places.require_models(args.models_dir, settings.class_names, settings, args.data)
    places.check_models_dir(args.models_dir, paths, settings)
    sets.read_set(args.models_dir, settings.class_names, settings)  # refused before Keras starts
    dataset = settings.load(args.data)
    startup.start_keras()
    fine_tuning.fine_tune_set(dataset, settings, args.models_dir, args.discriminative,
                              args.epochs, args.batch_size, args.num_images, args.skip, args.seed,
                              args.restart, args.distribute)


if __name__ == '__main__':
    runner.run(main, resumes=True)
