"""Candidate configurations for the shipped sets, measured side by side.

    python bench/candidates.py --dataset cifar --data PATH \\
        --candidate gru:size=10,levels=7 \\
        --candidate pixelcnn:size=16,levels=8,filters=64,depth=6 \\
        [--num_images 1000] [--epochs 5] [--seconds S] [--num_test 1000]

A candidate is ARCH:key=value,... with keys size (images are shrunk to
size x size), levels (intensity levels per sub-pixel) and, for pixelcnn,
filters and depth; what is left out takes config.py's default. For each,
one model per class is trained on the first --num_images training images of
the class for --epochs epochs (with --seconds, stopping after the first epoch
that ends past that many seconds; the GRU's decaying rate is scheduled over
--epochs all the same) and saved under --models_root/DATASET/CANDIDATE, where
classification.py and generate.py can read them (--models_dir); --trained
evaluates a set trained before, such as the shipped one. Then, on a
class-balanced subset of --num_test test images: Bayes accuracy with the
training set's class frequencies as priors, bits/dim under the own class's
model, the seconds to classify the subset (and that scaled to 10,000
images, linearly: an upper bound, since the per-call costs do not grow with
the images), and the seconds to draw a 5x5 grid from the first class's model,
cold, as generate.py does. One markdown row per candidate is printed and
appended, with the run's settings, to bench/results/candidates.csv.
"""
import argparse
import csv
import dataclasses
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pixel_rnn import cli  # noqa: E402  (sets TensorFlow's log level before Keras loads)
from pixel_rnn import startup  # noqa: E402  (sets TensorFlow's log level before Keras loads)
import config  # noqa: E402
from pixel_rnn.datasets import DATASETS  # noqa: E402
from pixel_rnn.datasets import checks  # noqa: E402
from pixel_rnn.errors import UsageError  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'candidates.csv')
GRID = 25  # images in a 5x5 grid
FULL_TEST = 10_000
SPEC_KEYS = {'gru': ('size', 'levels'), 'pixelcnn': ('size', 'levels', 'filters', 'depth')}
COLUMNS = ('date', 'dataset', 'candidate', 'train_images_per_class', 'epochs_asked',
           'seconds_budget', 'batch_size', 'test_images', 'accuracy', 'bits_per_dim',
           'classify_s', 'classify_10k_s', 'grid_s', 'train_s_per_class', 'epochs_done',
           'epoch_s_per_1k_images', 'load_average', 'cores')


# ---------------------------------------------------------------- flags

def parse_args():
    parser = cli.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_argument_group('what')
    what.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    what.add_argument('--data', default=None,
                      help=cli.ANY_DATA_HELP)
    what.add_argument('--candidate', action='append', type=candidate_spec, default=[],
                      metavar='ARCH:key=value,...',
                      help='e.g. gru:size=10,levels=7 or pixelcnn:size=16,levels=8,filters=64,'
                           'depth=6; repeat the flag for more candidates')
    what.add_argument('--trained', action='append', default=[], metavar='MODELS_DIR',
                      help='also evaluate a set trained before, e.g. trained/cifar_models '
                           '(first, before any training); repeatable')
    training = parser.add_argument_group('training, per class')
    training.add_argument('--num_images', type=cli.positive_int, default=1000,
                          help='training images per class, from the first')
    training.add_argument('--epochs', type=cli.positive_int, default=5,
                          help='epochs (at most, with --seconds)')
    training.add_argument('--seconds', type=cli.float_in_range(1, 7 * 86400, 'seconds'),
                          default=None,
                          help='stop after the first epoch that ends past this many seconds')
    training.add_argument('--batch_size', type=cli.positive_int, default=config.batch_size)
    training.add_argument('--seed', type=cli.seed, default=0)
    evaluation = parser.add_argument_group('evaluation')
    evaluation.add_argument('--num_test', type=cli.positive_int, default=1000,
                            help='test images, class-balanced (checks.balanced_subset)')
    where = parser.add_argument_group('where')
    where.add_argument('--models_root', default='/tmp/candidates',
                       help='models go to MODELS_ROOT/DATASET/CANDIDATE/model_CLASS.h5')
    where.add_argument('--results', default=RESULTS, help='CSV the rows are appended to')
    args = parser.parse_args()
    if not args.candidate and not args.trained:
        parser.error('give at least one --candidate or --trained')
    return args


def candidate_spec(text):
    """'pixelcnn:size=16,levels=8' -> (arch, {'size': 16, 'levels': 8})."""
    arch, _, settings = text.partition(':')
    if arch not in SPEC_KEYS:
        raise argparse.ArgumentTypeError(f'{text!r}: begin with gru: or pixelcnn:')
    values = {}
    for item in filter(None, settings.split(',')):
        key, _, value = item.partition('=')
        if key not in SPEC_KEYS[arch] or not value.isdigit():
            raise argparse.ArgumentTypeError(
                f'{text!r}: {item!r} is not one of {", ".join(SPEC_KEYS[arch])} = a whole number')
        values[key] = int(value)
    return arch, values


# ---------------------------------------------------------------- candidates

def template(arch, values, settings, args):
    """The ModelInfo (class_name left empty) a candidate's models are made from."""
    from pixel_rnn.architectures import ARCHITECTURES
    from pixel_rnn.architectures.params import defaults
    from pixel_rnn.description import ModelInfo
    params = defaults(ARCHITECTURES[arch].PARAMS)
    params.update({key: values[key] for key in ('filters', 'depth') if key in values})
    info = ModelInfo(dataset=settings.name, class_name='',
                     image_size=values.get('size', settings.target_size),
                     levels=values.get('levels', settings.max_intensity + 1),
                     colours=settings.colours, arch=arch, params=params, skip=0,
                     epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
    if info.problem():
        raise UsageError(f'candidate {arch}:{values}: {info.problem()}')
    return info


def candidate_name(info):
    """Short and file-name safe: pixelcnn-16px-8lv-64f-6d."""
    name = f'{info.arch}-{info.image_size}px-{info.levels}lv'
    if info.arch == 'pixelcnn':
        name += f"-{info.params['filters']}f-{info.params['depth']}d"
    return name


# ---------------------------------------------------------------- training

def wall_clock_budget(seconds):
    """A callback that keeps each epoch's duration and, given seconds, stops
    training after the first epoch that ends past them."""
    import keras

    class WallClockBudget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()
            self.durations = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.durations.append(time.perf_counter() - self.epoch_start)
            self.loss = (logs or {}).get('loss')
            if seconds is not None and time.perf_counter() - self.start > seconds:
                self.model.stop_training = True

    return WallClockBudget()


def train_classes(dataset, info, num_images, seconds, models_dir):
    """One trained ClassModel per class, each saved in models_dir; and per
    class its training seconds (wall) and epoch durations."""
    import keras
    import numpy as np
    import util
    from pixel_rnn.architectures import ClassModel
    from pixel_rnn.modelfile import saving
    models, train_seconds, durations = [], [], []
    for label, name in enumerate(dataset.class_names):
        in_class = dataset.y_train == label
        images = dataset.x_train[in_class][:num_images]
        class_info = dataclasses.replace(info, class_name=name, num_images=len(images),
                                         prior=float(in_class.mean()),
                                         data_source=dataset.source)
        keras.utils.set_random_seed(info.seed)
        start = time.perf_counter()
        model = ClassModel.create(class_info)
        budget = wall_clock_budget(seconds)
        model.fit(util.quantize(images, info.image_size, info.factor), info.batch_size,
                  info.epochs, [budget], verbose=0)
        train_seconds.append(time.perf_counter() - start)
        durations.append(budget.durations)
        model.info = dataclasses.replace(class_info, epochs=len(budget.durations),
                                         loss=budget.loss, keras_version=keras.__version__)
        saving.save(model, config.model_path(models_dir, name))
        models.append(model)
        print(f'  {name}: {len(budget.durations)} epochs in {train_seconds[-1]:.1f} s, '
              f'loss {budget.loss:.4f}', flush=True)
    return models, np.array(train_seconds), durations


def epoch_seconds_per_1k(durations, num_images):
    """Median seconds of an epoch per 1,000 training images; the first epoch
    also compiles, so it counts only where it is the only one."""
    import numpy as np
    later = [seconds for epochs in durations for seconds in (epochs[1:] or epochs)]
    return float(np.median(later)) * 1000 / num_images


# ---------------------------------------------------------------- evaluation

def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def evaluate(models, images, labels):
    """Accuracy, own-class bits/dim and seconds to classify images."""
    import numpy as np
    import util
    log_likelihoods, seconds = timed(util.log_likelihoods_by_class, models, images)
    predictions = util.bayes_decision(log_likelihoods, util.log_priors(models))
    own_class = log_likelihoods[np.arange(len(labels)), labels]
    return (float(np.mean(predictions == labels)),
            float(util.bits_per_dim(own_class, models[0].info.num_subpixels)), seconds)


def grid_seconds(model, seed):
    """Seconds to draw a 5x5 grid, cold (the first draw also builds the sampler)."""
    return timed(model.sample, GRID, seed)[1]


# ---------------------------------------------------------------- results

def train_candidate(info, dataset, args):
    """Models of the candidate info describes, trained; and the training's columns."""
    name = candidate_name(info)
    print(f'{name}: training {args.num_images} images per class, {args.epochs} epochs'
          + (f' or {args.seconds:g} s' if args.seconds else ''), flush=True)
    models_dir = os.path.join(args.models_root, info.dataset, name)
    os.makedirs(models_dir, exist_ok=True)
    load_average = os.getloadavg()[0]
    models, train_seconds, durations = train_classes(dataset, info, args.num_images,
                                                     args.seconds, models_dir)
    num_images = models[0].info.num_images
    return models, dict(
        candidate=name, train_images_per_class=num_images, epochs_asked=args.epochs,
        seconds_budget=args.seconds or '', batch_size=args.batch_size,
        train_s_per_class=round(float(train_seconds.mean()), 1),
        epochs_done=round(float(sum(map(len, durations)) / len(durations)), 1),
        epoch_s_per_1k_images=round(epoch_seconds_per_1k(durations, num_images), 2),
        load_average=round(load_average, 2))


def load_trained(models_dir, settings):
    """A set trained before (such as the shipped one), and what its files say of its training."""
    import util
    models = util.load_models(models_dir, settings.class_names, settings)
    info = models[0].info
    return models, dict(candidate=f'{candidate_name(info)} ({models_dir})',
                        train_images_per_class=info.num_images, epochs_asked=info.epochs,
                        seconds_budget='', batch_size=info.batch_size, train_s_per_class='',
                        epochs_done=info.epochs, epoch_s_per_1k_images='',
                        load_average=round(os.getloadavg()[0], 2))


def measure(models, training, dataset, test, seed):
    """The row of results, by COLUMNS, of models given their training's columns."""
    accuracy, bits, classify_seconds = evaluate(models, dataset.x_test[test], dataset.y_test[test])
    return dict(training, date=datetime.datetime.now().isoformat(timespec='seconds'),
                dataset=models[0].info.dataset, test_images=len(test),
                accuracy=round(accuracy, 4), bits_per_dim=round(bits, 4),
                classify_s=round(classify_seconds, 1),
                classify_10k_s=round(classify_seconds * FULL_TEST / len(test)),
                grid_s=round(grid_seconds(models[0], seed), 1), cores=os.cpu_count())


def markdown_header():
    return '| ' + ' | '.join(COLUMNS[2:]) + ' |\n|' + '---|' * len(COLUMNS[2:])


def markdown_row(row):
    return '| ' + ' | '.join(str(row[column]) for column in COLUMNS[2:]) + ' |'


def append_csv(row, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    new = not os.path.exists(path)
    with open(path, 'a', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)


def main():
    args = parse_args()
    settings = DATASETS[args.dataset]
    startup.start_keras()
    infos = [template(arch, values, settings, args) for arch, values in args.candidate]
    dataset = settings.load(args.data)
    test = checks.balanced_subset(dataset.y_test, args.num_test)
    sets = ([lambda folder=folder: load_trained(folder, settings) for folder in args.trained]
            + [lambda info=info: train_candidate(info, dataset, args) for info in infos])
    rows = []
    for trained_set in sets:
        rows.append(measure(*trained_set(), dataset, test, args.seed))
        append_csv(rows[-1], args.results)
        print(markdown_header(), *map(markdown_row, rows), sep='\n', flush=True)


if __name__ == '__main__':
    cli.run(main)
