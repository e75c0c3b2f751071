"""Classify test images by Bayes' rule over the per-class models."""
import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('--dataset', choices=sorted(config.DATASETS), default='mnist')
    parser.add_argument('--num_images', type=cli.positive_int, default=10000,
                        help='how many test images to classify, from the first')
    parser.add_argument('--data', default=None,
                        help=f'MNIST: {cli.MNIST_DATA_HELP}. CIFAR-10: {cli.CIFAR_DATA_HELP}')
    parser.add_argument('--models_dir', default=None,
                        help='default: trained/mnist_models or trained/cifar_models')
    cli.add_levels_flag(parser)
    parser.add_argument('--report', action='store_true',
                        help='add the per-class report and the confusion matrix')
    return parser.parse_args()


def main():
    args = parse_args()
    import numpy as np
    from sklearn.metrics import classification_report, confusion_matrix
    import data
    import util

    settings = cli.with_levels(config.DATASETS[args.dataset], args.max_intensity)
    models_dir = args.models_dir or settings.models_dir
    util.require_models(models_dir, settings.class_names, settings.train_all_command)
    dataset = (data.load_cifar if settings is config.CIFAR else data.load_mnist)(args.data)
    images = dataset.x_test[:args.num_images]
    labels = dataset.y_test[:args.num_images]
    log_likelihoods = util.log_likelihoods_by_class(models_dir, images, settings.class_names,
                                                    settings, verbose=1)
    predictions = util.bayes_decision(
        log_likelihoods, util.stored_log_priors(models_dir, settings.class_names))
    print(f'Classification accuracy on a test set: {np.mean(predictions == labels):.4f}')
    if args.report:
        own_class = log_likelihoods[np.arange(len(labels)), labels]
        print(f'Test images under their own class model: {-own_class.mean():.2f} nats, '
              f'{util.bits_per_dim(own_class, util.num_subpixels(images, settings)):.4f} '
              'bits/dim')
        classes = range(len(settings.class_names))
        print(classification_report(labels, predictions, labels=classes,
                                    target_names=settings.class_names, digits=4,
                                    zero_division=0))
        print('Confusion matrix (rows: true class, columns: predicted):')
        print(confusion_matrix(labels, predictions, labels=classes))


if __name__ == '__main__':
    cli.run(main)
