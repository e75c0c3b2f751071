"""Train a generative model (GRU or PixelCNN) for one MNIST digit, or for all ten."""
from pixel_rnn import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to train')
    what.add_argument('--digit', type=cli.digit, default=None, help='digit to model, 0-9 (default 0)')
    what.add_argument('--all_digits', type=cli.boolean, nargs='?', const=True, default=False,
                      help='train all ten digits (--all_digits or --all_digits=True)')
    cli.add_training_flags(parser, what, config.MNIST, cli.MNIST_DATA_HELP)
    args = parser.parse_args()
    if args.all_digits and args.digit is not None:
        parser.error(f'--all_digits trains all ten digits; leave out --digit={args.digit}')
    args.digit = args.digit or 0
    args.models_dir = cli.models_dir(args.models_dir, config.MNIST.default_models_dir(args.arch))
    return args


def main():
    args = parse_args()
    classes = config.MNIST.class_names
    template = cli.training_template(args, config.MNIST,
                                     classes if args.all_digits else [classes[args.digit]])
    from pixel_rnn import data  # without Keras: bad data is answered before its import wait
    dataset = data.load_mnist(args.data)
    cli.start_keras()
    import util
    util.train(dataset, template, None if args.all_digits else [args.digit], args.models_dir,
               args.num_images, args.restart, args.logdir, args.jobs, args.distribute)


if __name__ == '__main__':
    cli.run(main)
