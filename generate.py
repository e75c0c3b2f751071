"""Draw a grid of new digits from a trained model and save it as a PNG."""
import os

import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to draw')
    what.add_argument('--digit', type=cli.digit, default=0, help='digit whose model to sample')
    what.add_argument('--grid_size', type=cli.positive_int, default=5,
                      help='the grid is grid_size x grid_size samples')
    what.add_argument('--output_size', type=cli.positive_int, default=32,
                      help='side of each sample in the picture, in pixels')
    what.add_argument('--temperature', type=cli.positive_float, default=1.0,
                      help="1.0 draws from the model's own distribution; lower is "
                           'bolder, higher is noisier')
    what.add_argument('--seed', type=cli.seed, default=None, help='for repeatable grids')
    where = parser.add_argument_group('where')
    where.add_argument('--models_dir', default=config.mnist_models_dir)
    where.add_argument('--out', default=None,
                       help='PNG to write (default generated/samples_of_{digit}.png)')
    where.add_argument('--show', action='store_true', help='also open the grid in a viewer')
    return parser.parse_args()


def main():
    args = parse_args()
    from PIL import Image
    import util

    model = util.load_models(args.models_dir, [args.digit],
                             f'python train_mnist.py --digit={args.digit}')[0]
    levels = util.sample(model, config.target_size, config.num_classes,
                         num_images=args.grid_size ** 2, seed=args.seed,
                         temperature=args.temperature)
    grid = Image.fromarray(util.image_grid(
        [util.levels_to_image(image, args.output_size) for image in levels]))
    out = args.out or os.path.join(config.generated_dir, f'samples_of_{args.digit}.png')
    os.makedirs(os.path.dirname(out) or '.', exist_ok=True)
    grid.save(out, format='PNG')
    print(f'Saved {out}')
    if args.show:
        grid.show()


if __name__ == '__main__':
    cli.run(main)
