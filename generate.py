"""Draw a grid of new images from a trained model and save it as a picture."""
import argparse
import os

import cli
import config

MAX_PICTURE_SIDE = 16384  # pixels: a 16384 x 16384 colour picture is 800 MB in memory


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to draw')
    what.add_argument('--dataset', choices=sorted(config.DATASETS), default='mnist',
                      help=cli.DATASET_HELP)
    what.add_argument('--digit', '--label', dest='label', default='0',
                      help='class whose model to sample: an MNIST digit, or a CIFAR-10 '
                           'class by number or name (e.g. cat)')
    what.add_argument('--grid_size', type=cli.int_in_range(1, 100, 'grid size'), default=5,
                      help='the grid is grid_size x grid_size samples')
    what.add_argument('--output_size', type=cli.int_in_range(1, 4096, 'output size'),
                      default=32, help='side of each sample in the picture, in pixels')
    what.add_argument('--temperature', type=cli.float_in_range(0.01, 100, 'temperature'),
                      default=1.0,
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
    if args.grid_size * args.output_size > MAX_PICTURE_SIDE:
        parser.error(f'--grid_size={args.grid_size} with --output_size={args.output_size} makes '
                     f'a picture {args.grid_size * args.output_size} pixels wide; '
                     f'the most is {MAX_PICTURE_SIDE}')
    return args


def main():
    args = parse_args()
    out, image_format = cli.picture_path(args.out, os.path.join(
        config.generated_dir, args.settings.samples_file.format(args.label)))
    models_dir = cli.models_dir(args.models_dir, args.settings.models_dir)
    cli.require_models(models_dir, [args.label], args.settings)
    cli.start_keras()
    from PIL import Image
    import util

    settings = args.settings
    model = util.load_models(models_dir, [args.label], settings)[0]
    levels = model.sample(args.grid_size ** 2, seed=args.seed, temperature=args.temperature,
                          verbose=util.progress_mode())
    grid = util.image_grid([util.levels_to_image(image, args.output_size, model.info.factor)
                            for image in levels])
    util.save_picture(grid, out, image_format)
    print(f'Saved {out}')
    if args.show:
        Image.fromarray(grid).show()


if __name__ == '__main__':
    cli.run(main)
