"""Fine-tuning a set together (train.py --discriminative), measured on test
images after every epoch: accuracy by Bayes' rule and the own class's
bits/dim, both of the exact likelihoods. The set is copied first, so the
folder given is left as it is.

    python bench/fine_tuning.py --models_dir trained/mnist_pixelcnn_models --data mnist.npz \\
        --weight 1 --epochs 4 --num_images 500 [--rate 1e-4] [--scale 1] [--dataset cifar] \\
        [--test 10000] [--cost]

--cost also times an epoch of training each class's model alone on the same
images (a copy of it), against an epoch of the set together: the ratio is
what fine-tuning costs over training class by class.
"""
import argparse
import json
import os
import shutil
import tempfile
import time

import start  # first: bench/start.py puts the project on sys.path
from pixel_rnn.datasets import DATASETS

start.keras()
import keras  # noqa: E402
import numpy as np  # noqa: E402

from pixel_rnn import architectures  # noqa: E402
from pixel_rnn.datasets import checks  # noqa: E402
from pixel_rnn.training import fine_tuning  # noqa: E402
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets


class TestEachEpoch(keras.callbacks.Callback):
    """After each epoch, the set network's accuracy and own-class bits/dim on test levels."""

    def __init__(self, levels, labels, log_priors, num_subpixels):
        super().__init__()
        self.levels, self.labels, self.log_priors = levels, labels, log_priors
        self.num_subpixels = num_subpixels

    def on_epoch_end(self, epoch, logs=None):
        report(f'epoch {epoch + 1}', self.model.predict(self.levels, batch_size=256, verbose=0),
               self.labels, self.log_priors, self.num_subpixels)


def report(tag, log_likelihoods, labels, log_priors, num_subpixels):
    accuracy = np.mean(classifier.bayes_decision(log_likelihoods, log_priors) == labels)
    own = log_likelihoods[np.arange(len(labels)), labels]
    bits = classifier.bits_per_dim(own, num_subpixels)
    print(json.dumps(dict(tag=tag, accuracy=round(float(accuracy), 4),
                          bits_per_dim=round(float(bits), 4))), flush=True)


def time_class_by_class(models, levels, labels, batch_size):
    """Seconds of one epoch of training each class's model (a copy) on its images."""
    start = time.time()
    for label, model in enumerate(models):
        alone = architectures.create(model.info)
        alone.network.set_weights(model.network.get_weights())
        alone.fit(levels[labels == label], batch_size, 1, verbose=0)
    return time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    parser.add_argument('--data', default=None)
    parser.add_argument('--models_dir', required=True)
    parser.add_argument('--weight', type=float, default=1.0)
    parser.add_argument('--rate', type=float, default=fine_tuning.RATE, help="Adam's rate")
    parser.add_argument('--scale', type=float, default=fine_tuning.POSTERIOR_SCALE,
                        help='posterior scale')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--batch_size', type=int, default=64)
    parser.add_argument('--num_images', type=int, default=500)
    parser.add_argument('--skip', type=int, default=0)
    parser.add_argument('--test', type=int, default=10000, help='class-balanced test images')
    parser.add_argument('--cost', action='store_true')
    args = parser.parse_args()
    settings = DATASETS[args.dataset]
    dataset = settings.load(args.data)
    models = sets.load_models(args.models_dir, dataset.class_names, settings)
    info, log_priors = models[0].info, classifier.log_priors(models)
    chosen = checks.balanced_subset(dataset.y_test, min(args.test, len(dataset.y_test)))
    test_levels = imaging.to_levels(dataset.x_test[chosen], info)
    test_labels = dataset.y_test[chosen]
    report('start', BayesClassifier(models).log_likelihoods(dataset.x_test[chosen]), test_labels,
           log_priors, info.num_subpixels)
    if args.cost:
        train_levels = np.concatenate([
            imaging.to_levels(dataset.x_train[dataset.y_train == label][:args.num_images], info)
            for label in range(len(models))])
        train_labels = np.repeat(np.arange(len(models)), [
            min(args.num_images, np.sum(dataset.y_train == label)) for label in range(len(models))])
        seconds = time_class_by_class(models, train_levels, train_labels, args.batch_size)
        print(f'class by class, one epoch: {seconds:.1f} s', flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, 'set')
        shutil.copytree(args.models_dir, copy)
        start = time.time()
        fine_tuning.fine_tune_set(
            dataset, settings, copy, args.weight, args.epochs, args.batch_size,
            args.num_images, args.skip, seed=0, callbacks=[TestEachEpoch(
                           test_levels, test_labels, log_priors, info.num_subpixels)],
                       rate=args.rate, posterior_scale=args.scale)
        print(f'fine-tuning, with the tests after each epoch: {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
