"""Draw a grid of new images from a trained model and save it as a picture."""
import argparse
import os

import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    what = parser.add_argument_group('what to draw')
    what.add_argument('--dataset', choices=sorted(config.DATASETS), default='mnist')
    what.add_argument('--digit', '--label', dest='label', default='0',
                      help='class whose model to sample: an MNIST digit, or a CIFAR-10 '
                           'class by number or name (e.g. cat)')
    what.add_argument('--grid_size', type=cli.positive_int, default=5,
                      help='the grid is grid_size x grid_size samples')
    what.add_argument('--output_size', type=cli.positive_int, default=32,
                      help='side of each sample in the picture, in pixels')
    what.add_argument('--temperature', type=cli.positive_float, default=1.0,
                      help="1.0 draws from the model's own distribution; lower is "
                           'bolder, higher is noisier')
    what.add_argument('--seed', type=cli.seed, default=None, help='for repeatable grids')
    where = parser.add_argument_group('where')
    where.add_argument('--models_dir', default=None,
                       help='default: trained/mnist_models or trained/cifar_models')
    where.add_argument('--out', default=None,
                       help='picture to write, PNG or another format by its suffix '
                            '(default generated/samples_of_{digit}.png, '
                            'generated/cifar_samples_of_{label}.png)')
    where.add_argument('--show', action='store_true', help='also open the grid in a viewer')
    args = parser.parse_args()
    args.settings = config.DATASETS[args.dataset]
    try:
        args.label = args.settings.class_names[
            cli.class_label(args.settings.class_names)(args.label)]
    except argparse.ArgumentTypeError as error:
        parser.error(f'argument --digit/--label: {error}')
    return args


def main():
    args = parse_args()
    cli.start_keras()
    from PIL import Image
    import util

    settings = args.settings
    out = args.out or os.path.join(config.generated_dir, settings.samples_file.format(args.label))
    image_format = util.picture_format(out)
    model = util.load_models(args.models_dir or settings.models_dir, [args.label], settings)[0]
    levels = model.sample(args.grid_size ** 2, seed=args.seed, temperature=args.temperature,
                          verbose=1)
    grid = util.image_grid([util.levels_to_image(image, args.output_size, model.info.factor)
                            for image in levels])
    util.save_picture(grid, out, image_format)
    print(f'Saved {out}')
    if args.show:
        Image.fromarray(grid).show()


if __name__ == '__main__':
    cli.run(main)
