"""What combining model sets, or moving or mirroring the test images, buys.

    python bench/combinations.py [--dataset cifar] --data PATH --models_dir DIR \
        [--models_dir DIR2 ...] [--shifts] [--mirror]

Each set's log-likelihoods of the test images (all 10,000), then Bayes' rule
with the first set's priors over:
- each set alone (what classification.py gives);
- the mean of the sets' log-likelihoods (a product of experts: each image
  must please every set; not a normalised density, so a direction only);
- the mean of the sets' likelihoods (a mixture with equal weights: the set
  is a latent variable, so this is a density, one pass of each set);
- with --shifts, the first set with translation as a latent variable: the
  image is one drawn from the model, then moved by one pixel up, down, left,
  right or not at all, each with probability 1/5, so its likelihood is the
  mean of the model's likelihoods of the five images moved back;
- with --mirror, the first set with a latent mirror: the image is one drawn
  from the model, mirrored left-right or not, each with probability 1/2, so
  its likelihood is the mean of the model's likelihoods of the image and its
  mirror image (an exact density: mirroring loses nothing); and, as a
  product of experts again, the mean of those two log-likelihoods.
"""
import argparse

import start  # first: bench/start.py puts the project on sys.path
from pixel_rnn.datasets import DATASETS

start.keras()
import numpy as np  # noqa: E402
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets


def accuracy(log_likelihoods, log_priors, labels):
    return np.mean(classifier.bayes_decision(log_likelihoods, log_priors) == labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    parser.add_argument('--data', default=None, help='a local copy of the data set')
    parser.add_argument('--models_dir', action='append', required=True,
                        help="a folder of the data set's ten models; give it again for more sets")
    parser.add_argument('--shifts', action='store_true',
                        help='also score the first set with a latent one-pixel shift')
    parser.add_argument('--mirror', action='store_true',
                        help='also score the first set with a latent left-right mirror')
    args = parser.parse_args()
    settings = DATASETS[args.dataset]
    dataset = settings.load(args.data)
    images, labels = dataset.x_test, dataset.y_test
    sets = [sets.load_models(folder, settings.class_names, settings)
            for folder in args.models_dir]
    log_priors = classifier.log_priors(sets[0])
    by_set = [BayesClassifier(models).log_likelihoods(images) for models in sets]
    for folder, log_likelihoods in zip(args.models_dir, by_set):
        print(f'{folder}: {accuracy(log_likelihoods, log_priors, labels):.4f}')
    if len(sets) > 1:
        print(f'mean of the {len(sets)} sets: '
              f'{accuracy(np.mean(by_set, axis=0), log_priors, labels):.4f}')
        print(f'mixture of the {len(sets)} sets: '
              f'{accuracy(classifier.mixture_log_likelihood(by_set), log_priors, labels):.4f}')
    if args.shifts:
        # The unmoved images' pass is by_set[0]'s, not done again.
        first = BayesClassifier(sets[0])
        by_move = [by_set[0]] + [first.log_likelihoods(imaging.moved(images, *move))
                                 for move in imaging.scored_moves(4)]
        print(f'{args.models_dir[0]} with a latent shift of {len(by_move)} moves: '
              f'{accuracy(classifier.mixture_log_likelihood(by_move), log_priors, labels):.4f}')
    if args.mirror:
        by_side = [by_set[0], BayesClassifier(sets[0]).log_likelihoods(images[:, :, ::-1])]
        print(f'{args.models_dir[0]} on the mirror images: '
              f'{accuracy(by_side[1], log_priors, labels):.4f}')
        print(f'{args.models_dir[0]} with a latent mirror: '
              f'{accuracy(classifier.mixture_log_likelihood(by_side), log_priors, labels):.4f}')
        print(f'{args.models_dir[0]}, mean of the image\'s and its mirror\'s log-likelihoods: '
              f'{accuracy(np.mean(by_side, axis=0), log_priors, labels):.4f}')


if __name__ == '__main__':
    main()
