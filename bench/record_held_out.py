"""Record in each model file of a set its bits/dim on images of its class it
did not train on (ModelInfo.held_out_bits, held_out_bits_1, held_out_bits_99),
as training records them for new models: for sets trained before training
measured them all. Each file is written again whole, its weights as they
were. Then says how many of the data set's test images get a word from
classifier.likeness under their own class's model (about 1% each way where
they are like the held-out images) and under the class Bayes' rule chooses
for them, as classification.py --images says it.

The held-out images are those training measures a model on
(pixel_rnn.training.held_out_images), from the model's record: the training
images its skip and num_images leave out (the shipped MNIST sets skipped the
first 500 of each digit, the bundled images), else the class's test images.
A set fine-tuned together may have trained on those too: it is measured on
the test images, as fine-tuning measures it.

    python bench/record_held_out.py --models_dir trained/mnist_models --data mnist.npz
    python bench/record_held_out.py --dataset cifar --models_dir trained/cifar_models \\
        --data cifar10      # the JPEG copy's folder, as the set was trained on
"""
import argparse
import dataclasses

import numpy as np

import start  # first: bench/start.py puts the project on sys.path
from pixel_rnn import defaults, runner
from pixel_rnn.datasets import DATASETS
from pixel_rnn.images import to_levels
from pixel_rnn.training import held_out_images

start.keras()
from pixel_rnn.classifier import BayesClassifier, bayes_decision, likeness  # noqa: E402
from pixel_rnn.modelfile import saving, sets  # noqa: E402
from pixel_rnn.training.one_class import held_out_record  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    parser.add_argument('--models_dir', required=True)
    parser.add_argument('--data', required=True)
    args = parser.parse_args()
    settings = DATASETS[args.dataset]
    dataset = settings.load(args.data)
    models = sets.load_models(args.models_dir, settings.class_names, settings)
    for label, model in enumerate(models):
        record(model, held_out(dataset, label, model.info), args.models_dir)
    say_words(BayesClassifier(models), dataset)


def held_out(dataset, label, info):
    """The images of class label that the model info describes is measured on."""
    if info.fine_tuning_epochs is not None:
        return held_out_images(dataset, label)
    return held_out_images(dataset, label, info.skip or 0, info.num_images)


def record(model, images, models_dir):
    """Measure model on images, record the figures in its file and say them."""
    figures = held_out_record(model, to_levels(images, model.info))
    model.info = dataclasses.replace(model.info, **figures)
    saving.save(model, defaults.model_path(models_dir, model.info.class_name))
    print(f'{model.info.class_name}: ' + (
        f'{figures["held_out_bits"]:.4f} bits/dim on {len(images)} held-out images, 98% within '
        f'{figures["held_out_bits_1"]:.4f}-{figures["held_out_bits_99"]:.4f}' if len(images)
        else 'no held-out images: no figures'), flush=True)


def say_words(bayes, dataset):
    """The shares of the test images that get each word from likeness, under
    their own class's model and under the class chosen for them."""
    log_likelihoods = bayes.log_likelihoods(dataset.x_test)
    chosen = bayes_decision(log_likelihoods, bayes.log_priors_)
    for whose, labels in (("their own class's model", dataset.y_test),
                          ("the chosen class's model, as --images says", chosen)):
        words = [likeness(bayes.models[label].info, scores[label])
                 for label, scores in zip(labels, log_likelihoods)]
        print(f'Of the {len(words)} test images, under {whose}: '
              f'{np.mean(["unlike the" in word for word in words]):.2%} unlike the training '
              f'images, {np.mean(["simpler than" in word for word in words]):.2%} simpler than '
              'them', flush=True)


if __name__ == '__main__':
    runner.run(main)
