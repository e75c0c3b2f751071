"""Train a generative colour model (GRU or PixelCNN) for one CIFAR-10 class, or for all ten."""
import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__,
                                formatter_class=cli.argparse.ArgumentDefaultsHelpFormatter)
    what = parser.add_argument_group('what to train')
    what.add_argument('--label', type=cli.class_label(config.cifar_classes), default=0,
                      help='class to model: 0-9 or a name, e.g. cat')
    what.add_argument('--all_labels', type=cli.boolean, nargs='?', const=True, default=False,
                      help='train all ten classes (--all_labels or --all_labels=True)')
    cli.add_training_flags(parser, what, config.CIFAR, cli.CIFAR_DATA_HELP)
    return parser.parse_args()


def main():
    args = parse_args()
    request = cli.training_request(args, config.CIFAR)
    cli.start_keras()
    import util  # after parsing: bad flags are answered without Keras's import wait
    util.train(request, args.data, None if args.all_labels else [args.label], args.models_dir,
               args.num_images, args.restart, args.logdir)


if __name__ == '__main__':
    cli.run(main)
