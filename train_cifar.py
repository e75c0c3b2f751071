"""Train a generative colour model (GRU or PixelCNN) for one CIFAR-10 class, or for all ten."""
from pixel_rnn import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to train')
    what.add_argument('--label', type=cli.class_label(config.cifar_classes), default=None,
                      help='class to model: 0-9 or a name, e.g. cat (default 0, airplane)')
    what.add_argument('--all_labels', type=cli.boolean, nargs='?', const=True, default=False,
                      help='train all ten classes (--all_labels or --all_labels=True)')
    cli.add_training_flags(parser, what, config.CIFAR, cli.CIFAR_DATA_HELP)
    args = parser.parse_args()
    if args.all_labels and args.label is not None:
        parser.error('--all_labels trains all ten classes; '
                     f'leave out --label={config.cifar_classes[args.label]}')
    args.label = args.label or 0
    args.models_dir = cli.models_dir(args.models_dir, config.CIFAR.default_models_dir(args.arch))
    return args


def main():
    args = parse_args()
    classes = config.CIFAR.class_names
    template = cli.training_template(args, config.CIFAR,
                                     classes if args.all_labels else [classes[args.label]])
    from pixel_rnn import data  # without Keras: bad data is answered before its import wait
    dataset = data.load_cifar(args.data)
    cli.start_keras()
    import util
    util.train(dataset, template, None if args.all_labels else [args.label], args.models_dir,
               args.num_images, args.restart, args.logdir, args.jobs, args.distribute)


if __name__ == '__main__':
    cli.run(main)
