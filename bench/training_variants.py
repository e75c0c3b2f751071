"""Steady-state epoch time of model.fit variants at the tutorial's settings.

    python bench/training_variants.py [--data PATH] [--repeats N]
    KERAS_BACKEND=jax python bench/training_variants.py   (with jax installed)

Same model, data, seed, loss and batch size 32 for every variant; prints the
best epoch time after the first (which includes compiling) and the loss of
each epoch, so that a faster variant can be checked to learn the same.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pixel_rnn import cli  # noqa: E402
import config  # noqa: E402
from pixel_rnn.datasets import mnist  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from pixel_rnn.architectures import gru  # noqa: E402
import util  # noqa: E402

VARIANTS = {
    'plain fit (jit_compile auto)': {},
    'jit_compile=False': dict(jit_compile=False),
    'jit_compile=True (XLA)': dict(jit_compile=True),
    'steps_per_execution=16': dict(steps_per_execution=16),
    'mixed_bfloat16': dict(policy='mixed_bfloat16'),
    'GRU unroll=True': dict(unroll=True),
}


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def run(xs, targets, epochs, policy='float32', unroll=False, **compile_options):
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=xs.shape[1:] if unroll else (None, xs.shape[-1]))
    hidden = keras.layers.GRU(config.units, return_sequences=True, unroll=unroll)(inputs)
    outputs = keras.layers.Softmax()(keras.layers.Dense(config.levels)(hidden))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer='adam', loss='categorical_crossentropy', **compile_options)
    timer = EpochTimer()
    history = model.fit(xs, targets, batch_size=32, epochs=epochs, verbose=0, callbacks=[timer])
    keras.config.set_dtype_policy('float32')
    return min(timer.seconds[1:]), history.history['loss']


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default=None, help='MNIST as train_mnist.py takes it')
    parser.add_argument('--num_images', type=int, default=1024)
    parser.add_argument('--epochs', type=int, default=3)
    args = parser.parse_args()

    dataset = mnist.load(args.data)
    xs = gru.to_sequences(util.quantize(dataset.x_train[dataset.y_train == 0][:args.num_images]),
                          config.levels)
    targets = gru.next_pixel_targets(xs, config.levels)
    print(f'backend {keras.backend.backend()}, {os.cpu_count()} cores, '
          f'{len(xs)} sequences of {xs.shape[1]} steps, batch 32')
    baseline = None
    for name, options in VARIANTS.items():
        seconds, losses = run(xs, targets, args.epochs, **options)
        baseline = baseline or seconds
        print(f'{name:30s} {seconds:6.2f} s/epoch  {baseline / seconds:4.2f}x  '
              f'losses {np.round(losses, 4)}', flush=True)


if __name__ == '__main__':
    cli.run(main)
