"""Measure each model of a set on images of its class it was not trained on,
and record the figures in its file, as training records them for new models
(ModelInfo.held_out_bits, held_out_bits_99): for sets trained before training
measured them. The images: the class's first 1,000 test images. Each file is
written again whole, its weights as they were.

    python bench/record_held_out.py --models_dir trained/mnist_models --data mnist.npz
    python bench/record_held_out.py --dataset cifar --models_dir trained/cifar_models \\
        --data cifar10-jpg.tar.gz
"""
import argparse
import dataclasses

import start  # first: bench/start.py puts the project on sys.path
import config
from pixel_rnn.datasets import DATASETS
from pixel_rnn.description import HELD_OUT

start.keras()
from pixel_rnn.modelfile import saving  # noqa: E402
from pixel_rnn.training.one_class import held_out_record  # noqa: E402
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets


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
        images = dataset.x_test[dataset.y_test == label][:HELD_OUT]
        record = held_out_record(model, imaging.to_levels(images, model.info))
        model.info = dataclasses.replace(model.info, **record)
        saving.save(model, config.model_path(args.models_dir, model.info.class_name))
        print(f'{model.info.class_name}: {record["held_out_bits"]:.4f} bits/dim on '
              f'{len(images)} test images, 99% under {record["held_out_bits_99"]:.4f}',
              flush=True)


if __name__ == '__main__':
    main()
