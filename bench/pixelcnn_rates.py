"""PixelCNN on MNIST: Nadam's constant default rate against the decaying
rate pixelcnn.fit uses, on a pair of digits that are hard to tell apart.

    python bench/pixelcnn_rates.py --data PATH [--digits 4 9] [--num_images 2000] [--epochs 10]

14x14, 4 levels, the default filters and depth; each digit's model trains
on its first num_images training images with seed 0, then Bayes' rule over
the pair (equal priors) on all their test images, and their bits/dim under
their own digit's model.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pixel_rnn import startup  # noqa: E402
from pixel_rnn.datasets import mnist  # noqa: E402

startup.start_keras()
import keras  # noqa: E402
import numpy as np  # noqa: E402
from pixel_rnn.architectures import pixelcnn  # noqa: E402
import util  # noqa: E402
from pixel_rnn.architectures import ClassModel  # noqa: E402
from pixel_rnn.architectures.params import defaults  # noqa: E402
from pixel_rnn.description import ModelInfo  # noqa: E402


def constant_rate_fit(model, levels, epochs):
    """pixelcnn.fit as it was: Nadam at its default 1e-3 throughout."""
    images = pixelcnn.with_colour_axis(levels)
    model.network.compile(optimizer=keras.optimizers.Nadam(),
                          loss='sparse_categorical_crossentropy')
    model.network.fit(images.astype('float32'), images.astype('int32'), batch_size=32,
                      epochs=epochs, verbose=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default=None, help=mnist.MNIST.data_help)
    parser.add_argument('--digits', type=int, nargs=2, default=[4, 9])
    parser.add_argument('--num_images', type=int, default=2000)
    parser.add_argument('--epochs', type=int, default=10)
    args = parser.parse_args()
    dataset = mnist.load(args.data)
    keep = np.isin(dataset.y_test, args.digits)
    test_images = dataset.x_test[keep]
    test_labels = (dataset.y_test[keep] == args.digits[1]).astype(np.int64)
    for rate in ('constant 1e-3', 'decaying from 3e-3'):
        models = []
        for digit in args.digits:
            keras.utils.set_random_seed(0)
            info = ModelInfo('mnist', str(digit), 14, 4, 1, 'pixelcnn',
                             defaults(pixelcnn.PARAMS), prior=0.5)
            model = ClassModel.create(info)
            levels = util.to_levels(dataset.x_train[dataset.y_train == digit][:args.num_images], info)
            if rate.startswith('constant'):
                constant_rate_fit(model, levels, args.epochs)
            else:
                model.fit(levels, batch_size=32, epochs=args.epochs, verbose=0)
            models.append(model)
        log_likelihoods = util.log_likelihoods_by_class(models, test_images)
        accuracy = np.mean(util.bayes_decision(log_likelihoods, util.log_priors(models))
                           == test_labels)
        own = log_likelihoods[np.arange(len(test_labels)), test_labels]
        print(f'{rate}: accuracy {accuracy:.4f} on {len(test_labels)} test images, '
              f'{util.bits_per_dim(own, 14 * 14):.4f} bits/dim', flush=True)


if __name__ == '__main__':
    main()
