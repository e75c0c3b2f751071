"""Draw a grid of new images from a trained model and save it as a picture; or,
with --complete, draw the hidden lower part of given images."""
import argparse
import os

import numpy as np

import config
from pixel_rnn import cli, pictures, runner, startup
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn.datasets import DATASETS, DEFAULT, own_pictures
from pixel_rnn.errors import UsageError, shown
from pixel_rnn.modelfile import places, sets

MAX_GRID_SIDE = 16384  # pixels: a 16384 x 16384 colour grid is 800 MB in memory
NUM_IMAGES = 5  # completed by default


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__)
    what = parser.add_argument_group('what to draw')
    what.add_argument('--dataset', choices=sorted(DATASETS), default=DEFAULT,
                      help=cli.DATASET_HELP)
    what.add_argument('--digit', '--label', dest='class_name', default='0',
                      help='class whose model to sample, by number or name: '
                           + '; '.join(f'{name}: {cli.classes_allowed(settings.class_names)}'
                                       for name, settings in DATASETS.items()))
    what.add_argument('--grid_size', type=cli.int_in_range(1, 100, 'grid size'), default=5,
                      help='the grid is grid_size x grid_size samples; with --complete, '
                           'the completions of each image')
    what.add_argument('--output_size', type=cli.int_in_range(1, 4096, 'output size'),
                      default=32, help='side of each sample in the picture, in pixels')
    what.add_argument('--temperature', type=cli.float_in_range(0.01, 100, 'temperature'),
                      default=1.0, help="1.0 draws from the model's own distribution; lower "
                                        'is bolder, higher is noisier')
    what.add_argument('--seed', type=cli.seed, help='for repeatable grids')
    complete = parser.add_argument_group('completing images')
    complete.add_argument('--complete', nargs='*', metavar='PICTURE',
                          help='keep the first --given_rows rows of images of the class and '
                               'draw the rest --grid_size times from the model: of the test '
                               'images of --data, or of the picture files given (brought to '
                               "the data set's size and colours); one row of the picture per "
                               'image: it with the hidden part hatched, its completions, it whole')
    complete.add_argument('--given_rows',
                          help="rows kept, 1 to the models' image size (default: half of it)")
    complete.add_argument('--num_images', type=cli.int_in_range(1, 100, 'image count'),
                          help=f'test images to complete, the first of the class '
                               f'(default {NUM_IMAGES}; with picture files, each of them)')
    complete.add_argument('--data', help=f'where the test images come from; {cli.ANY_DATA_HELP}')
    where = parser.add_argument_group('where')
    where.add_argument('--models_dir', help=cli.ANY_MODELS_DIR_HELP)
    where.add_argument('--out',
                       help='picture to write, PNG or another format by its suffix (default '
                            + default_pictures('samples_file') + '; with --complete, '
                            + default_pictures('completions_file') + '; of another '
                            '--models_dir than the first, its name before it)')
    where.add_argument('--show', action='store_true', help='also open the grid in a viewer')
    args = parser.parse_args(argv)
    args.settings = DATASETS[args.dataset]
    try:
        args.class_name = args.settings.class_names[
            cli.class_label(args.settings.class_names, args.settings.class_noun)(args.class_name)]
    except argparse.ArgumentTypeError as error:
        parser.error(f'argument --digit/--label: {error}')
    # Flags of --complete are refused without it rather than ignored, and
    # picture files come with neither test images' flag.
    def given(*names):
        return ', '.join(f'--{name}' for name in names if getattr(args, name) is not None)
    if args.complete is None and given('given_rows', 'num_images', 'data'):
        parser.error(f"{given('given_rows', 'num_images', 'data')} applies to --complete")
    if args.complete and given('num_images', 'data'):
        parser.error(f"{given('num_images', 'data')} chooses test images; with picture files "
                     'given to --complete, leave it out')
    rows, columns = ((args.grid_size, args.grid_size) if args.complete is None else
                     (args.num_images or len(args.complete) or NUM_IMAGES, args.grid_size + 2))
    for cells, side in ((columns, 'wide'), (rows, 'high')):
        pixels = cells * args.output_size + (cells - 1) * config.grid_line
        if pixels > MAX_GRID_SIDE:
            parser.error(f'--grid_size={args.grid_size} with --output_size={args.output_size} '
                         f'makes a picture {pixels} pixels {side}; the most is {MAX_GRID_SIDE}')
    return args


def default_pictures(kind):
    """Where the pictures of kind (a file name field of Settings) go by default, in words."""
    return ', '.join(os.path.join('generated', getattr(settings, kind).format(
        '{' + settings.class_flag + '}')) for settings in DATASETS.values())


def default_picture(args, models_dir):
    """Where the picture goes without --out: in generated/, named for what it
    shows and (but for the data set's GRUs) for models_dir, so that grids of
    two sets never take each other's place."""
    settings = args.settings
    name = (settings.samples_file if args.complete is None
            else settings.completions_file).format(args.class_name)
    if os.path.abspath(models_dir) != os.path.abspath(settings.default_models_dir()):
        name = f'{os.path.basename(os.path.abspath(models_dir))}_{name}'
    return os.path.join(config.generated_dir, name)


def given_rows(text, info, models_dir):
    """--given_rows as a number, checked against the models' image size."""
    size = info.image_size
    if text is not None and not (text.isascii() and text.isdigit() and 1 <= int(text) <= size):
        raise UsageError(f'--given_rows={text!r} is not a row count within 1-{size}: the '
                         f'models of {models_dir} are of {size}x{size} images')
    return max(1, size // 2) if text is None else int(text)


def test_images(args):
    """The first --num_images test images of the class from --data."""
    dataset = args.settings.load(args.data)
    images = dataset.x_test[dataset.y_test == args.settings.class_names.index(args.class_name)]
    if not len(images):
        raise UsageError(f'no test images of class {args.class_name} in the data; give '
                         'other --data or picture files')
    if (args.num_images or NUM_IMAGES) > len(images):
        print(f'Only {len(images)} test images of class {args.class_name}; completing all of them')
    return images[:args.num_images or NUM_IMAGES]


def main(argv=None):
    args = parse_args(argv)
    settings = args.settings
    models_dir = places.models_dir(args.models_dir, settings.default_models_dir())
    out, image_format = pictures.picture_path(args.out, default_picture(args, models_dir),
                                               settings.colours)
    places.require_models(models_dir, [args.class_name], settings)
    stored = sets.read_set(models_dir, [args.class_name], settings)  # refused before Keras starts
    images = rows = None
    if args.complete is not None:
        rows = given_rows(args.given_rows, stored[0].info, models_dir)
        images = []  # the picture files given, in the data set's form, as classification.py's
        for path, image, inverted in own_pictures.pictures_in_dataset_form(
                args.complete, settings, '--complete'):
            if inverted:
                print(f'{shown(path)}: read inverted: dark ink on a light ground')
            images.append(image)
        images = np.stack(images) if images else test_images(args)
    startup.start_keras()
    bayes = BayesClassifier(sets.built(stored))
    draw = dict(seed=args.seed, temperature=args.temperature, verbose=runner.progress_mode())
    picture = (pictures.samples_picture(bayes, [0], args.grid_size ** 2, args.output_size, **draw)
               if images is None else pictures.completion_picture(
                   bayes, [0], images, rows, args.grid_size, args.output_size, **draw))
    pictures.save_picture(picture, out, image_format)
    print(f'Saved {shown(out)}')
    if args.show:
        pictures.show(picture, out)
    return out


def generate(digit=0, output_size=32, grid_size=5, **flags):
    """The tutorial's generate(): the command line with --digit, --output_size,
    --grid_size and flags (seed=0, show=True, ...) as its other flags, checked
    as it checks them. Returns the picture's path."""
    return main(cli.as_arguments(digit=digit, output_size=output_size, grid_size=grid_size,
                                 **flags))


if __name__ == '__main__':
    runner.run(main)
