"""Bayes' rule over a few classes' models only, on those classes' test images:
a pilot that trains two or three classes tells how a choice does on the
classes it confuses most, in a fraction of a full set's time.

    python bench/some_classes.py [--dataset cifar] --data PATH --classes 3 5 \
        --models_dir DIR [--models_dir DIR2 ...]

For each folder: errors and accuracy with the models' stored priors, and
the test images' bits/dim under their own class's model.
"""
import argparse

import start  # first: bench/start.py puts the project on sys.path
from pixel_rnn import cli
from pixel_rnn.datasets import DATASETS

start.keras()
import numpy as np  # noqa: E402
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn.modelfile import sets


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    parser.add_argument('--data', default=None, help='a local copy of the data set')
    parser.add_argument('--classes', nargs='+', required=True, help='class numbers or names')
    parser.add_argument('--models_dir', action='append', required=True,
                        help='a folder holding those classes\' models; give it again for more')
    args = parser.parse_args()
    settings = DATASETS[args.dataset]
    classes = [cli.class_label(settings.class_names)(name) for name in args.classes]
    dataset = settings.load(args.data)
    chosen = np.isin(dataset.y_test, classes)
    images = dataset.x_test[chosen]
    labels = np.array([classes.index(label) for label in dataset.y_test[chosen]])
    for folder in args.models_dir:
        models = sets.load_models(folder, [settings.class_names[label] for label in classes],
                                  settings)
        log_likelihoods = BayesClassifier(models).log_likelihoods(images)
        predictions = classifier.bayes_decision(log_likelihoods, classifier.log_priors(models))
        own = log_likelihoods[np.arange(len(labels)), labels]
        print(f'{folder}: {len(labels)} images, {np.sum(predictions != labels)} errors '
              f'({np.mean(predictions == labels):.4f}), '
              f'{classifier.bits_per_dim(own, models[0].info.num_subpixels):.4f} bits/dim')


if __name__ == '__main__':
    main()
