"""Classify test images, or your own pictures, by Bayes' rule over the per-class models."""
import os

import numpy as np

import config
from pixel_rnn import classifier, cli, pictures, runner, startup
from pixel_rnn.classifier import BayesClassifier, bits_per_dim
from pixel_rnn.datasets import DATASETS, DEFAULT, checks, own_pictures
from pixel_rnn.errors import shown
from pixel_rnn.images import scored_moves
from pixel_rnn.modelfile import places, sets


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('--dataset', choices=sorted(DATASETS), default=DEFAULT,
                        help=cli.DATASET_HELP)
    parser.add_argument('--images', nargs='+', metavar='PATH',
                        help='classify these pictures instead (PNG or JPEG files, or folders of '
                             'them): each gets a line with its three most probable classes')
    parser.add_argument('--num_images', type=cli.positive_int, default=10000,
                        help='how many test images to classify: all when there are no more, '
                             'else as many of each class as can be (the first of each, '
                             'taking the classes in turn)')
    parser.add_argument('--data', help=cli.ANY_DATA_HELP)
    parser.add_argument('--models_dir', help=cli.ANY_MODELS_DIR_HELP)
    parser.add_argument('--moves', type=int, choices=config.SCORED_MOVES, default=0,
                        help="score each image also moved by one pixel (before shrinking): 2 "
                             "ways (down, right), 4 (and up, left) or 8 (and diagonally), each "
                             "class's likelihood the mean of its likelihoods of them; a pass "
                             "of the models for each")
    parser.add_argument('--report', action='store_true',
                        help='add bits/dim, the per-class report and the confusion matrix, '
                             'and write pictures of the matrix and of the misclassified images')
    parser.add_argument('--report_dir', default=config.report_dir,
                        help="where --report's pictures go, named after the models folder")
    args = parser.parse_args(argv)
    if args.images and (args.report or args.data):
        parser.error(f"--images classifies the pictures given; leave out "
                     f"{'--report' if args.report else '--data'}")
    return args


def classify_pictures(bayes, forms, moves):
    """One line per picture of forms (own_pictures.pictures_in_dataset_form's):
    its three most probable classes with their probabilities."""
    log_likelihoods = bayes.log_likelihoods(np.stack([image for _, image, _ in forms]), moves)
    for (path, _, inverted), row, scores in zip(forms, bayes.posteriors(log_likelihoods),
                                                log_likelihoods):
        best = np.argsort(-row, kind='stable')[:3]
        print(f'{shown(path)}: ' + ', '.join(f'{bayes.classes_[index]} ({row[index]:.4f})'
                                             for index in best)
              + f'; {classifier.likeness(bayes.models[best[0]].info, scores[best[0]])}'
              + ('; read inverted: dark ink on a light ground' if inverted else ''))


def main(argv=None):
    args = parse_args(argv)
    settings = DATASETS[args.dataset]
    models_dir = places.models_dir(args.models_dir, settings.default_models_dir())
    places.require_models(models_dir, settings.class_names, settings, args.data)
    if args.report:
        pictures.check_report_dir(args.report_dir,
                                  report_paths(args.report_dir, models_dir).values())
    stored = sets.read_set(models_dir, settings.class_names, settings)  # before Keras starts
    for note, what in (('are of more than one architecture ({})', sets.mixed_architectures),
                       ('were not all trained alike: {}', sets.differently_trained)):
        if said := what(stored):
            print(f'Note: the models of {shown(models_dir)} ' + note.format(shown(said)))
    if args.images:
        forms = own_pictures.pictures_in_dataset_form(args.images, settings, '--images')
    else:  # before Keras: bad data is answered before its import wait
        dataset = settings.load(args.data)
        if args.num_images > len(dataset.y_test):
            print(f'Only {len(dataset.y_test)} test images; classifying all of them')
        chosen = checks.balanced_subset(dataset.y_test, args.num_images)
        images, labels = dataset.x_test[chosen], dataset.y_test[chosen]
    startup.start_keras()
    bayes, moves = BayesClassifier(sets.built(stored)), scored_moves(args.moves)
    if args.images:
        return classify_pictures(bayes, forms, moves)
    predictions = bayes.predict(images, moves, verbose=runner.progress_mode())
    scoring = f' (each image and {len(moves)} moves of it)' if moves else ''
    accuracy = np.mean(predictions == labels)
    print(f'Classification accuracy on a test set{scoring}: {accuracy:.4f}')
    chance = 1 / len(settings.class_names)
    if accuracy < 2 * chance:
        print(f'Note: that is near chance ({chance:.2f}): are the test images of --data '
              f'{settings.title} (or give --dataset), and the models of {shown(models_dir)} '
              'trained on them?')
    if args.report:
        report(bayes, images, labels, predictions, report_paths(args.report_dir, models_dir))
    return accuracy


def estimate_accuracy(num_images=10000, **flags):
    """The tutorial's estimate_accuracy(): the command line with --num_images
    and flags (data='bundled', moves=2, ...) as its other flags, checked as it
    checks them. Returns the accuracy it prints."""
    return main(cli.as_arguments(num_images=num_images, **flags))


def report(bayes, images, labels, predictions, paths):
    """--report: bits/dim, scikit-learn's per-class report, the confusion
    matrix, and pictures of it and of the misclassified images at paths."""
    from sklearn.metrics import classification_report, confusion_matrix
    names = bayes.classes_
    own_class = bayes.own_log_likelihoods(images, labels)
    print(f'Test images under their own class model: {-own_class.mean():.2f} nats, '
          f'{bits_per_dim(own_class, bayes.info.num_subpixels):.4f} bits/dim')
    classes = range(len(names))
    print(classification_report(labels, predictions, labels=classes, target_names=names,
                                digits=4, zero_division=0))
    print(confusion_table(confusion_matrix(labels, predictions, labels=classes), names))
    for name, picture in (
            ('confusion_matrix', pictures.confusion_picture(labels, predictions, names)),
            ('misclassified', pictures.misclassified_picture(images, labels, predictions,
                                                             names))):
        pictures.save_picture(picture, paths[name], 'PNG')  # each whole or not at all
        print(f'Saved {shown(paths[name])}')


def confusion_table(matrix, class_names):
    """The confusion matrix as text: a row per true class, headed by its
    number and name, a column per chosen class, headed by its number."""
    names = [name if name == str(number) else f'{number} {name}'
             for number, name in enumerate(class_names)]
    head, width = max(map(len, names)), max(3, len(str(matrix.max())))
    lines = ['Confusion matrix (rows: true class, columns: chosen class):',
             ' ' * head + ''.join(f' {number:>{width}}' for number in range(len(names)))]
    lines += [f'{name:<{head}}' + ''.join(f' {count:>{width}}' for count in row)
              for name, row in zip(names, matrix)]
    return '\n'.join(lines)


def report_paths(report_dir, models_dir):
    """Where --report's pictures go, by what they show: named after the models folder."""
    stem = os.path.join(report_dir, os.path.basename(os.path.abspath(models_dir)))
    return {name: f'{stem}_{name}.png' for name in ('confusion_matrix', 'misclassified')}


if __name__ == '__main__':
    runner.run(main)
