"""Completing images: drawing the hidden rows given the first ones (generate.py --complete)."""
import keras
import numpy as np
import pytest
from PIL import Image

from pixel_rnn.datasets import DATASETS, mnist
from pixel_rnn.datasets import own_pictures
from pixel_rnn.architectures import gru
from pixel_rnn.modelfile import saving
import config
from conftest import gru_model, model_info, rigged_model, run_in_process
from pixel_rnn import architectures
from pixel_rnn import images as imaging
from pixel_rnn import pictures

LEVELS = 7


def small_model(arch, colours, image_size=5):
    """An untrained model with its weights scaled up, so that each
    distribution depends markedly on the sub-pixels before it, yet is far
    from one-hot: a completion that misses some of them draws otherwise."""
    keras.utils.set_random_seed(0)
    if arch == 'gru':
        model = gru_model(LEVELS, units=16, image_size=image_size, colours=colours)
    else:
        model = architectures.create(model_info(LEVELS, 'pixelcnn', image_size, colours,
                                             filters=12, depth=2))
    for layer in model.network.layers:
        if isinstance(layer, keras.layers.PReLU):  # they start as ReLUs, which silence paths
            layer.set_weights([np.full_like(layer.get_weights()[0], 0.5)])
        else:
            layer.set_weights([weights * 2 for weights in layer.get_weights()])
    return model


def conditionals(model, levels):
    """Each sub-pixel's distribution given those before it, (images,
    sub-pixels, levels), from one pass of the whole network, as training sees it."""
    if model.info.arch == 'gru':
        sequences = gru.to_sequences(levels, LEVELS, model.info.colours)
        probabilities = model.network.predict(sequences, verbose=0)[:, :-1]
    else:
        probabilities = model.network.predict(
            levels.reshape(levels.shape[:3] + (-1,)).astype('float32'), verbose=0)
    return probabilities.reshape(len(levels), -1, LEVELS)


def uniforms_drawing(probabilities, levels):
    """For each sub-pixel, the uniform in the middle of its level's step of
    the cumulative distribution: inverse-CDF sampling with it draws that level."""
    levels = levels.reshape(len(levels), -1, 1).astype(np.int64)
    upper = np.take_along_axis(np.cumsum(probabilities, axis=-1), levels, axis=-1)
    own = np.take_along_axis(probabilities, levels, axis=-1)
    return (upper - own / 2)[..., 0]


@pytest.mark.parametrize('arch', ['gru', 'pixelcnn'])
@pytest.mark.parametrize('colours', [1, 3])
@pytest.mark.parametrize('temperature', [1.0, 1.7])
def test_completion_draws_what_sampling_draws_with_the_given_sub_pixels_forced(
        arch, colours, temperature):
    model = small_model(arch, colours)
    info = model.info
    num_images, row = 6, info.image_size * colours
    originals = model.sample(num_images, seed=1).reshape(num_images, -1)
    uniforms = np.random.default_rng(2).random((num_images, info.num_subpixels))
    tempered = conditionals(model, originals.reshape((-1,) + info.shape)) ** (1 / temperature)
    forcing = uniforms_drawing(tempered / tempered.sum(axis=-1, keepdims=True), originals)
    # Whole rows, as --given_rows gives; for colour also a prefix ending inside a pixel.
    for num_given in (row, 2 * row, info.num_subpixels - 1) + ((2 * row + 1,) * (colours > 1)):
        completed = model.draw(uniforms, temperature, given=originals[:, :num_given])
        forced = uniforms.copy()
        forced[:, :num_given] = forcing[:, :num_given]
        sampled = model.draw(forced, temperature)
        completed, sampled = (levels.reshape(num_images, -1) for levels in (completed, sampled))
        np.testing.assert_array_equal(sampled[:, :num_given], originals[:, :num_given])
        np.testing.assert_array_equal(completed, sampled)
        assert (completed[:, num_given:] != originals[:, num_given:]).any(), \
            'the hidden sub-pixels are drawn, not copied'


def test_complete_keeps_the_given_rows_and_draws_different_rest():
    model = small_model('pixelcnn', 1, image_size=6)
    levels = model.sample(2, seed=0)
    completions = model.complete(levels, 2, 4, seed=5)
    assert completions.shape == (2, 4, 6, 6)
    for image, image_completions in zip(levels, completions):
        assert (image_completions[:, :2] == image[:2]).all()
        hidden = {completion[2:].tobytes() for completion in image_completions}
        assert len(hidden) == 4


def save_uniform_model(folder, digit='0', colours=1):
    """A model whose every sub-pixel is uniform over 7 levels: the hidden rows all differ."""
    saving.save(rigged_model(np.full(LEVELS, 1 / LEVELS), class_name=digit, colours=colours),
                    config.model_path(str(folder), digit))


def cells(picture, size, rows, columns):
    """The cells of a picture of image_grid, after checking the white lines between them."""
    assert picture.shape[:2] == (rows * (size + 1) - 1, columns * (size + 1) - 1)
    for line in range(size, picture.shape[0], size + 1):
        assert (picture[line] == 255).all()
    for line in range(size, picture.shape[1], size + 1):
        assert (picture[:, line] == 255).all()
    return [[picture[r * (size + 1):r * (size + 1) + size, c * (size + 1):c * (size + 1) + size]
             for c in range(columns)] for r in range(rows)]


def check_completion_picture(path, originals, size, completions):
    """Each row of the picture at path: the original hatched below its given
    rows (half of 10), its completions, each different and agreeing with it
    above, then the original whole."""
    with Image.open(path) as picture:
        rows = cells(np.asarray(picture), size, len(originals), completions + 2)
    # Output rows drawn only from the given image rows (scaling blends neighbouring rows).
    given = slice(0, size // 2 - 2)
    for original, row in zip(originals, rows):
        expected = pictures.levels_to_image(original, size, 256 / (LEVELS - 1))
        np.testing.assert_array_equal(row[-1], expected)
        hidden, drawn = row[0], row[1:-1]
        np.testing.assert_array_equal(hidden[given], expected[given])
        assert set(np.unique(hidden[size // 2:])) == {96, 160}, 'hatched as hidden'
        for completion in drawn:
            np.testing.assert_array_equal(completion[given], expected[given])
        assert len({completion[size // 2 + 2:].tobytes() for completion in drawn}) == completions


@pytest.mark.slow
def test_the_script_completes_test_images_of_the_class(tmp_path):
    save_uniform_model(tmp_path, '3')
    out = tmp_path / 'completions.png'
    result = run_in_process('generate.py', '--complete', '--digit=3', '--data=bundled',
                            f'--models_dir={tmp_path}', '--num_images=2', '--grid_size=3',
                            '--output_size=20', f'--out={out}', '--seed=0')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f'Saved {out}'
    dataset = mnist.load('bundled')
    threes = dataset.x_test[dataset.y_test == 3][:2]
    check_completion_picture(out, imaging.quantize(threes, 10, 256 / (LEVELS - 1)), 20, 3)


@pytest.mark.slow
def test_the_script_completes_picture_files_brought_to_the_data_sets_form(tmp_path):
    save_uniform_model(tmp_path, 'cat', colours=3)
    rng = np.random.default_rng(0)
    pictures = [rng.integers(0, 256, (64, 48, 3), dtype=np.uint8),
                rng.integers(0, 256, (20, 20), dtype=np.uint8)]  # grey, for a colour set
    paths = [str(tmp_path / name) for name in ('a.png', 'b.jpg')]
    for picture, path in zip(pictures, paths):
        Image.fromarray(picture).save(path)
    out = tmp_path / 'cats.png'
    result = run_in_process('generate.py', '--dataset=cifar', '--label=cat', '--complete',
                            *paths, f'--models_dir={tmp_path}', '--grid_size=2',
                            '--output_size=16', f'--out={out}')
    assert result.returncode == 0, result.stderr
    # As classification.py --images makes them: 32x32 colour, then shrunk and quantized.
    images = np.stack([own_pictures.in_dataset_form(
        own_pictures.read_picture(path, 'RGB', '--complete'), DATASETS['cifar'])[0]
        for path in paths])
    check_completion_picture(out, imaging.quantize(images, 10, 256 / (LEVELS - 1)), 16, 2)


def test_the_hidden_rows_leave_no_trace_in_the_picture_of_the_given_ones():
    levels = np.random.default_rng(0).integers(0, LEVELS, (10, 10, 3))
    other = levels.copy()
    other[5:] = LEVELS - 1 - other[5:]
    np.testing.assert_array_equal(pictures.hidden_rows_image(levels, 5, 32, config.factor),
                                  pictures.hidden_rows_image(other, 5, 32, config.factor))
