"""Classify test images by Bayes' rule over the per-class models."""

import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('--dataset', choices=sorted(config.DATASETS), default='mnist')
    parser.add_argument('--num_images', type=cli.positive_int, default=10000,
                        help='how many test images to classify: all when there are no more, '
                             'else as many of each class as can be (the first of each, '
                             'taking the classes in turn)')
    parser.add_argument('--data', default=None,
                        help=f'MNIST: {cli.MNIST_DATA_HELP}. CIFAR-10: {cli.CIFAR_DATA_HELP}')
    parser.add_argument('--models_dir', default=None,
                        help='default: trained/mnist_models or trained/cifar_models')
    parser.add_argument('--moves', type=int, choices=config.SCORED_MOVES, default=0,
                        help="score each image also moved by one pixel (before shrinking): 2 "
                             "ways (down, right), 4 (and up, left) or 8 (and diagonally), each "
                             "class's likelihood the mean of its likelihoods of them; a pass "
                             "of the models for each")
    parser.add_argument('--report', action='store_true',
                        help='add bits/dim, the per-class report and the confusion matrix')
    return parser.parse_args()


def main():
    args = parse_args()
    settings = config.DATASETS[args.dataset]
    models_dir = args.models_dir or settings.models_dir
    cli.require_models(models_dir, settings.class_names, settings)
    import data  # without Keras: bad data is answered before its import wait
    dataset = data.load(settings.name, args.data)
    if args.num_images > len(dataset.y_test):
        print(f'Only {len(dataset.y_test)} test images; classifying all of them')
    chosen = data.balanced_subset(dataset.y_test, args.num_images)
    images, labels = dataset.x_test[chosen], dataset.y_test[chosen]
    cli.start_keras()
    import numpy as np
    from sklearn.metrics import classification_report, confusion_matrix
    import util

    models = util.load_models(models_dir, settings.class_names, settings)
    moves = util.scored_moves(args.moves)
    predictions = util.classify(models, images, verbose=util.progress_mode(), moves=moves)
    scoring = f' (each image and {len(moves)} moves of it)' if moves else ''
    print(f'Classification accuracy on a test set{scoring}: {np.mean(predictions == labels):.4f}')
    if args.report:
        own_class = util.own_class_log_likelihoods(models, images, labels)
        print(f'Test images under their own class model: {-own_class.mean():.2f} nats, '
              f'{util.bits_per_dim(own_class, models[0].info.num_subpixels):.4f} bits/dim')
        classes = range(len(settings.class_names))
        print(classification_report(labels, predictions, labels=classes,
                                    target_names=settings.class_names, digits=4,
                                    zero_division=0))
        print('Confusion matrix (rows: true class, columns: predicted):')
        print(confusion_matrix(labels, predictions, labels=classes))


if __name__ == '__main__':
    cli.run(main)
