"""Tutorial-style baseline against ours, on the same models, in one run.

    python bench/speed.py [--data PATH] [--models_dir DIR] [--skip_training]

Prints one table: grid sampling at 10x10 and 28x28 (GRU and PixelCNN), classification of the
test images by ten models, training throughput at batch 32.
"""
import argparse
import dataclasses
import os
import time

import numpy as np

import start  # first: bench/start.py puts the project on sys.path
import config
from pixel_rnn import runner
from pixel_rnn.datasets import mnist

start.keras()
from pixel_rnn import architectures  # noqa: E402
from pixel_rnn.architectures import gru, pixelcnn  # noqa: E402
from pixel_rnn.architectures.layers import inverse_cdf  # noqa: E402
from pixel_rnn.architectures.params import defaults  # noqa: E402
from pixel_rnn.description import ModelInfo  # noqa: E402
from pixel_rnn.modelfile import loading  # noqa: E402
from bench.tutorial_baseline import sample_by_passes, sample_by_prefix  # noqa: E402
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets
from pixel_rnn.classifier import BayesClassifier  # noqa: E402

GRID = 25


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def matmul_peak(size=2048):
    """Float32 GFLOP/s of NumPy's matrix product on large operands, best of a few."""
    a = np.random.rand(size, size).astype(np.float32)
    b = np.random.rand(size, size).astype(np.float32)
    a @ b
    best = min(timed(lambda: [a @ b for _ in range(5)])[0] for _ in range(3))
    return 5 * 2 * size ** 3 / best / 1e9


def distinct_prefixes(levels):
    """GRU steps that classification runs: at each step, one per distinct
    prefix of the images (GRU.log_likelihood shares the rest)."""
    pixels = levels.reshape(len(levels), -1).astype(np.int64)
    prefix_ids, steps = np.zeros(len(pixels), dtype=np.int64), 0
    for step in range(pixels.shape[1]):
        steps += prefix_ids.max() + 1
        _, prefix_ids = np.unique(prefix_ids * config.levels + pixels[:, step],
                                  return_inverse=True)
    return int(steps)


def gru_flops(num_sequences, steps, levels, units):
    """Multiply-adds of the GRU's and the Dense layer's products, times 2."""
    per_step = 2 * (levels + units) * 3 * units + 2 * units * levels
    return num_sequences * steps * per_step


def baseline_sampling_seconds(model, image_size, rng):
    """The tutorial's cost per pixel grows with the prefix: time predict at a few
    prefix lengths, integrate over the image, times the grid's 25 images.
    model: a GRU ClassModel."""
    network, num_pixels = model.network, image_size ** 2
    lengths = np.linspace(1, num_pixels, 5).astype(int)
    per_pixel = []
    for length in lengths:
        uniforms = rng.random((1, 3))
        prefix = gru.to_sequences(np.zeros((1, length - 1), np.uint8), model.info.levels)
        network.predict(prefix, verbose=0)
        seconds, _ = timed(lambda: [
            inverse_cdf(network.predict(prefix, verbose=0)[:, -1], uniforms[:, i])
            for i in range(3)])
        per_pixel.append(seconds / 3)
    return GRID * np.trapezoid(per_pixel, lengths) * num_pixels / (num_pixels - 1)


def bench_sampling(model, rng, rows):
    # Check on a few pixels that the baseline runs as timed and agrees with ours.
    uniforms = rng.random((1, 12))
    assert (sample_by_prefix(model, uniforms) == model.draw(uniforms)).all()
    for size in (10, 28):
        baseline = baseline_sampling_seconds(model, size, rng)
        # The same network drawn at another size: a GRU runs at any length.
        sized = architectures.create(dataclasses.replace(model.info, image_size=size),
                                     model.network)
        first, _ = timed(sized.sample, GRID, seed=0)
        again, _ = timed(sized.sample, GRID, seed=1)
        rows.append((f'5x5 grid at {size}x{size} (baseline scaled from 5 prefix lengths)',
                     f'{baseline:.1f} s', f'{first:.3f} s ({again:.3f} s warm)',
                     f'{baseline / first:.0f}x ({baseline / again:.0f}x warm)'))


def bench_pixelcnn_sampling(rows):
    """A pass of the network per sub-pixel against one position per layer
    from caches, same uniforms, default PixelCNN (untrained: the cost is the
    same)."""
    for size in (10, 28):
        model = architectures.create(ModelInfo('mnist', '0', size, config.levels, 1,
                                               'pixelcnn', defaults(pixelcnn.PARAMS)))
        uniforms = np.random.default_rng(0).random((GRID, size * size))
        model.sample(GRID, seed=0)  # warm up
        baseline, expected = timed(sample_by_passes, model, uniforms)
        ours, drawn = timed(model.draw, uniforms)
        assert (drawn == expected).all(), 'the cached sampler must draw the same pixels'
        rows.append((f'PixelCNN 5x5 grid at {size}x{size} (same pixels)', f'{baseline:.2f} s',
                     f'{ours:.3f} s', f'{baseline / ours:.0f}x'))


def tutorial_classify(models, images):
    """The tutorial's way: model.predict at its default batch, product of probabilities."""
    levels = imaging.quantize(images)
    sequences = gru.to_sequences(levels, config.levels)
    pixels = levels.reshape(len(levels), -1)
    scores = []
    for model in models:
        probabilities = model.network.predict(sequences, verbose=0)[:, :-1]
        picked = np.take_along_axis(probabilities, pixels[..., None].astype(np.int64), axis=-1)
        scores.append(np.prod(picked[..., 0], axis=1))
    return np.argmax(np.stack(scores, axis=1), axis=1)


def bench_classification(models_dir, dataset, rows, peak):
    images, labels = dataset.x_test, dataset.y_test
    models = sets.load_models(models_dir, mnist.MNIST.class_names, mnist.MNIST)
    baseline, baseline_predictions = timed(tutorial_classify, models, images)
    ours, predictions = timed(BayesClassifier(models).predict, images)
    flops = 10 * gru_flops(len(images), config.target_size ** 2, config.levels, config.units)
    done = 10 * gru_flops(1, distinct_prefixes(imaging.quantize(images)), config.levels,
                          config.units)
    name = f'classify {len(images)} images x 10 models at 10x10'
    rows.append((name, f'{baseline:.1f} s, {len(images) / baseline:.0f} img/s, '
                       f'{flops / baseline / 1e9:.0f} GFLOP/s',
                 f'{ours:.1f} s, {len(images) / ours:.0f} img/s, {done / ours / 1e9:.0f} GFLOP/s '
                 f'of prefix-shared work ({done / 1e12:.1f} of {flops / 1e12:.1f} TFLOP, '
                 'part of it skipped as unable to win)',
                 f'{baseline / ours:.2f}x'))
    rows.append(('  accuracy (tutorial product / ours log space)',
                 f'{np.mean(baseline_predictions == labels):.4f}',
                 f'{np.mean(predictions == labels):.4f}', ''))
    rows.append(('  NumPy float32 matmul peak on 2048x2048 operands, same run', '',
                 f'{peak:.0f} GFLOP/s', ''))


def bench_training(dataset, rows, num_images=2048, epochs=3):
    """Throughput of plain model.fit (Adam at its default rate) against
    ours (GRU.fit) on the same data and seed, and the loss of each epoch."""
    import keras
    images = dataset.x_train[dataset.y_train == 0][:num_images]
    xs = gru.to_sequences(imaging.quantize(images), config.levels)
    # The tutorial's targets: each step's the next input; the last step's all zero.
    targets = np.concatenate([xs[:, 1:], np.zeros_like(xs[:, :1])], axis=1)

    def plain_fit():
        keras.utils.set_random_seed(0)
        model = gru.create_model(config.levels)
        model.compile(optimizer='adam', loss='categorical_crossentropy')
        return model.fit(xs, targets, batch_size=32, epochs=epochs, verbose=0).history['loss']

    def ours():
        keras.utils.set_random_seed(0)
        model = architectures.create(ModelInfo('mnist', '0', config.target_size, config.levels,
                                               1, 'gru', defaults(gru.PARAMS)))
        return model.fit(imaging.quantize(images), 32, epochs, verbose=0).history['loss']

    baseline, baseline_losses = timed(plain_fit)
    mine, losses = timed(ours)
    sequences = num_images * epochs
    rows.append((f'train {num_images} sequences x {epochs} epochs, batch 32 (incl. compile)',
                 f'{sequences / baseline:.0f} seq/s', f'{sequences / mine:.0f} seq/s',
                 f'{baseline / mine:.2f}x'))
    rows.append(('  loss per epoch (ours: decaying rate, see GRU.fit)',
                 ' '.join(f'{loss:.4f}' for loss in baseline_losses),
                 ' '.join(f'{loss:.4f}' for loss in losses), ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', default=None, help='MNIST as classification.py takes it')
    parser.add_argument('--models_dir', default=mnist.MNIST.default_models_dir())
    parser.add_argument('--skip_training', action='store_true')
    args = parser.parse_args()

    dataset = mnist.load(args.data)
    rng = np.random.default_rng(0)
    rows = []
    peak = matmul_peak()
    bench_sampling(loading.load(config.model_path(args.models_dir, 0)), rng, rows)
    bench_pixelcnn_sampling(rows)
    bench_classification(args.models_dir, dataset, rows, peak)
    if not args.skip_training:
        bench_training(dataset, rows)

    print(f'cores: {os.cpu_count()}')
    header = ('task', 'tutorial-style baseline', 'ours', 'speed-up')
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(4)]
    for row in [header, tuple('-' * w for w in widths)] + rows:
        print(' | '.join(str(cell).ljust(width) for cell, width in zip(row, widths)))


if __name__ == '__main__':
    runner.run(main)
