"""Ten classes trained one at a time against --jobs classes at a time, in one run.

    python bench/parallel_training.py --data PATH [--num_images 512] [--epochs 2] [--jobs 2]

Both runs train the same ten GRU models (10x10, 7 levels, batch 32, seed 0)
into scratch folders and report the wall time of the whole ten-class run;
the final losses show that each class trained as it would alone.
"""
import argparse
import os
import tempfile
import time

import start  # first: bench/start.py puts the project on sys.path
import config
from pixel_rnn import runner
from pixel_rnn.datasets import mnist

start.keras()
from pixel_rnn.architectures import gru  # noqa: E402
from pixel_rnn.architectures.params import defaults  # noqa: E402
from pixel_rnn.description import ModelInfo  # noqa: E402
from pixel_rnn.modelfile import loading  # noqa: E402
from pixel_rnn.training.classes import train_classes


def timed_run(dataset, template, num_images, jobs, models_dir):
    start = time.perf_counter()
    train_classes(dataset, template, None, models_dir, num_images, jobs=jobs)
    seconds = time.perf_counter() - start
    losses = [loading.load(config.model_path(models_dir, name)).info.loss
              for name in dataset.class_names]
    return seconds, losses


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default=None, help=mnist.MNIST.data_help)
    parser.add_argument('--num_images', type=int, default=512, help='training images per digit')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--jobs', type=int, default=os.cpu_count())
    args = parser.parse_args()
    dataset = mnist.load(args.data)
    template = ModelInfo('mnist', '', config.target_size, config.levels, 1, 'gru',
                         defaults(gru.PARAMS), skip=0, epochs=args.epochs,
                         batch_size=config.batch_size, seed=0)
    with tempfile.TemporaryDirectory() as scratch:
        alone, alone_losses = timed_run(dataset, template, args.num_images, 1,
                                        os.path.join(scratch, 'one_at_a_time'))
        together, together_losses = timed_run(dataset, template, args.num_images, args.jobs,
                                              os.path.join(scratch, 'together'))
    print(f'\n{os.cpu_count()} cores; ten GRU models, {args.num_images} images each, '
          f'{args.epochs} epochs, batch {config.batch_size}')
    print(f'one class at a time: {alone:.1f} s')
    print(f'{args.jobs} classes at a time: {together:.1f} s ({alone / together:.2f}x)')
    largest = max(abs(a - b) / a for a, b in zip(alone_losses, together_losses))
    print(f'largest relative difference of a final loss: {largest:.1e}')


if __name__ == '__main__':
    runner.run(main)
