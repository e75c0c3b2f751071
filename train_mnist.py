"""Train a generative model (GRU or PixelCNN) for one MNIST digit, or for all ten."""
import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__,
                                formatter_class=cli.argparse.ArgumentDefaultsHelpFormatter)
    what = parser.add_argument_group('what to train')
    what.add_argument('--digit', type=cli.digit, default=0, help='digit to model, 0-9')
    what.add_argument('--all_digits', type=cli.boolean, nargs='?', const=True, default=False,
                      help='train all ten digits (--all_digits or --all_digits=True)')
    cli.add_training_flags(parser, what, config.MNIST, cli.MNIST_DATA_HELP)
    return parser.parse_args()


def main():
    args = parse_args()
    request = cli.training_request(args, config.MNIST)
    cli.start_keras()
    import util  # after parsing: bad flags are answered without Keras's import wait
    util.train(request, args.data, None if args.all_digits else [args.digit], args.models_dir,
               args.num_images, args.restart, args.logdir)


if __name__ == '__main__':
    cli.run(main)
