"""What classifying by the PixelCNN and CIFAR-10 sets costs, beyond start-up.

    python bench/classification_costs.py pixelcnn --data mnist.npz [--project DIR]
    python bench/classification_costs.py batches --data mnist.npz --batches 64 256 1024
    python bench/classification_costs.py pruning --data cifar10 [--every 10]

pixelcnn: the shipped PixelCNN set on the 10,000 test images, plainly and
with --moves=2, by the project at --project (another checkout, to compare
with: run both in one session, one after the other), with a digest of its
decisions to compare. batches: the same set's log-likelihoods in batches of
each size. pruning: the shipped CIFAR-10 GRU set on every --every'th test
image, every class computed whole against classes pruned once they cannot win.
"""
import argparse
import hashlib
import os
import time

import start  # bench/start.py; the project's modules are imported in main, from --project
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('what', choices=('pixelcnn', 'batches', 'pruning'))
    parser.add_argument('--data', required=True)
    parser.add_argument('--project', default=start.ROOT)
    parser.add_argument('--batches', type=int, nargs='+', default=[64, 256, 1024])
    parser.add_argument('--every', type=int, default=10)
    args = parser.parse_args()
    start.keras(args.project)
    import numpy as np
    import util
    from pixel_rnn.datasets import DATASETS
    settings = DATASETS['cifar' if args.what == 'pruning' else 'mnist']
    dataset = settings.load(args.data)
    folder = 'cifar_models' if args.what == 'pruning' else 'mnist_pixelcnn_models'
    models = sets.load_models(os.path.join(args.project, 'trained', folder),
                              settings.class_names, settings)
    # The name of Bayes' rule over loaded models, before and after it changed.
    classify = getattr(util, 'bayes_classify', None) or util.classify

    def timed(function, *arguments, **keywords):
        start = time.perf_counter()
        result = function(*arguments, **keywords)
        return time.perf_counter() - start, result

    if args.what == 'pixelcnn':
        plain, decisions = timed(classify, models, dataset.x_test)
        moved, moved_decisions = timed(classify, models, dataset.x_test,
                                       moves=imaging.scored_moves(2))
        # Decisions compared across runs by their digest.
        digest = hashlib.sha256(np.stack([decisions, moved_decisions]).astype(np.int64)
                                .tobytes()).hexdigest()[:16]
        print(f'{args.project}: {plain:.2f} s, with --moves=2 {moved:.2f} s; accuracy '
              f'{np.mean(decisions == dataset.y_test):.4f}, '
              f'{np.mean(moved_decisions == dataset.y_test):.4f}; decisions {digest}')
    elif args.what == 'batches':
        levels = imaging.to_levels(dataset.x_test, models[0].info)
        for batch in args.batches:
            seconds, _ = timed(lambda: [batch_log_likelihood(model, levels, batch)
                                        for model in models])
            print(f'batches of {batch}: {seconds:.2f} s', flush=True)
    else:
        chosen = np.arange(0, len(dataset.x_test), args.every)
        images, labels = dataset.x_test[chosen], dataset.y_test[chosen]
        classify(models, images[:8])  # compiled
        whole, full = timed(lambda: classifier.bayes_decision(
            BayesClassifier(models).log_likelihoods(images), classifier.log_priors(models)))
        pruned, decisions = timed(classify, models, images)
        print(f'{len(images)} images: every class whole {whole:.2f} s, pruned {pruned:.2f} s, '
              f'same decisions {np.array_equal(full, decisions)}, accuracy '
              f'{np.mean(decisions == labels):.4f}')


def batch_log_likelihood(model, levels, batch_size):
    """A PixelCNN ClassModel's log-likelihoods of levels, in batches of
    batch_size: by the model's method, or, in a checkout from before the
    architectures were classes (0869a70 and earlier), its module's function."""
    if hasattr(model, 'architecture'):
        return model.architecture.log_likelihood(model.network, levels, batch_size=batch_size)
    return model.log_likelihood(levels, batch_size=batch_size)


if __name__ == '__main__':
    main()
