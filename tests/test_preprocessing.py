import sys

import numpy as np
import pytest
from skimage import transform
from skimage.util import img_as_ubyte

import config
from pixel_rnn import images
from pixel_rnn.architectures import gru
from conftest import gru_model, last_line, model_info, run_in_process
from pixel_rnn import images as imaging


def test_quantize_matches_the_tutorials_resize_and_rounding():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    expected = [np.round(img_as_ubyte(transform.resize(im, (10, 10))) / config.factor)
                for im in images]
    np.testing.assert_array_equal(imaging.quantize(images), np.array(expected))


def test_quantized_levels_span_0_to_max_intensity():
    black = np.zeros((1, 28, 28), np.uint8)
    white = np.full((1, 28, 28), 255, np.uint8)
    noise = np.random.default_rng(1).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    assert imaging.quantize(black).max() == 0
    assert (imaging.quantize(white) == config.max_intensity).all()
    levels = imaging.quantize(noise)
    assert levels.dtype == np.uint8 and levels.max() <= config.max_intensity


def test_gru_sequences_are_one_hot_levels_after_a_zero_start_vector():
    images = np.random.default_rng(2).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    levels = imaging.quantize(images)
    xs = gru.to_sequences(levels, config.levels)
    assert xs.shape == (4, config.target_size ** 2 + 1, config.levels)
    assert not xs[:, 0].any()
    np.testing.assert_array_equal(xs[:, 1:].sum(axis=-1), 1)
    # Row-by-row order: step 1 + r * size + c holds pixel (r, c).
    np.testing.assert_array_equal(xs[:, 1:].argmax(-1).reshape(4, 10, 10), levels)


def test_training_targets_each_sub_pixel_from_the_ones_before_it_as_the_tutorials_network():
    # fit trains the logits: step s of the tutorial's network reads sub-pixel
    # s - 1 (the start vector for s = 0) and gives sub-pixel s's distribution.
    model = gru_model(levels=4, units=8, image_size=3)
    levels = np.random.default_rng(0).integers(0, 4, (3, 3, 3))
    logits = np.asarray(model.logits_network.predict_on_batch(levels.astype('int32')))
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    by_sequence = model.network.predict_on_batch(gru.to_sequences(levels, 4))
    np.testing.assert_allclose(softmax, np.asarray(by_sequence)[:, :-1], rtol=1e-5, atol=1e-6)


def ink_slant_and_centre(image):
    """The shear deskew removes (column drift per row of the ink) and the
    ink's centre of mass, (row, col)."""
    weights = image.astype(np.float64)
    rows, cols = np.mgrid[:image.shape[0], :image.shape[1]]
    mean_row = (weights * rows).sum() / weights.sum()
    mean_col = (weights * cols).sum() / weights.sum()
    slant = ((weights * (rows - mean_row) * (cols - mean_col)).sum()
             / (weights * (rows - mean_row) ** 2).sum())
    return slant, (mean_row, mean_col)


def test_deskew_stands_a_slanted_stroke_upright_in_the_centre():
    image = np.zeros((28, 28), np.uint8)
    for row in range(4, 22):  # a stroke leaning right, off centre
        image[row, 18 - row // 2:21 - row // 2] = 255
    slant, _ = ink_slant_and_centre(image)
    assert slant < -0.4
    deskewed, = imaging.deskew(image[None])
    slant, centre = ink_slant_and_centre(deskewed)
    assert abs(slant) < 0.05
    np.testing.assert_allclose(centre, (13.5, 13.5), atol=0.3)
    assert deskewed.dtype == np.uint8
    assert abs(int(deskewed.sum()) - int(image.sum())) < 0.05 * image.sum()


def test_deskew_leaves_blank_and_upright_centred_images_alone():
    blank = np.zeros((1, 28, 28), np.uint8)
    np.testing.assert_array_equal(imaging.deskew(blank), blank)
    upright = np.zeros((1, 28, 28), np.uint8)
    upright[0, 6:22, 13:15] = 200
    np.testing.assert_array_equal(imaging.deskew(upright), upright)


def test_models_trained_on_deskewed_images_are_given_deskewed_images():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(imaging.to_levels(images, model_info(deskew=True)),
                                  imaging.quantize(imaging.deskew(images)))
    np.testing.assert_array_equal(imaging.to_levels(images, model_info()), imaging.quantize(images))


def test_shifts_training_adds_each_images_four_one_pixel_moves():
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 10:18, 12:16] = 255
    info = model_info(image_size=28, shifts=4)
    levels = imaging.training_levels(images, info)
    assert levels.shape == (10, 28, 28)
    np.testing.assert_array_equal(levels[:2], imaging.to_levels(images, info))
    down, up, right, left = levels[2:4], levels[4:6], levels[6:8], levels[8:10]
    np.testing.assert_array_equal(down[:, 1:], levels[:2, :-1])
    np.testing.assert_array_equal(up[:, :-1], levels[:2, 1:])
    np.testing.assert_array_equal(right[:, :, 1:], levels[:2, :, :-1])
    np.testing.assert_array_equal(left[:, :, :-1], levels[:2, :, 1:])
    assert imaging.training_levels(images, model_info(image_size=28)).shape == (2, 28, 28)


def test_eight_shifts_add_the_diagonal_moves_after_the_four():
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 10:18, 12:16] = 255
    four = imaging.training_levels(images, model_info(image_size=28, shifts=4))
    levels = imaging.training_levels(images, model_info(image_size=28, shifts=8))
    assert levels.shape == (18, 28, 28)
    np.testing.assert_array_equal(levels[:10], four)
    down_right, up_left = levels[10:12], levels[16:18]
    np.testing.assert_array_equal(down_right[:, 1:, 1:], levels[:2, :-1, :-1])
    np.testing.assert_array_equal(up_left[:, :-1, :-1], levels[:2, 1:, 1:])


def test_colour_images_move_by_whole_pixels_and_keep_their_channels():
    images = np.arange(2 * 3 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 3)
    moved = imaging.moved(images, 1, 0)
    np.testing.assert_array_equal(moved[:, 1:], images[:, :-1])
    assert not moved[:, 0].any()
    np.testing.assert_array_equal(imaging.moved(images[..., 0], 0, -1)[:, :, :-1],
                                  images[:, :, 1:, 0])


@pytest.mark.parametrize('flags, expected', [([], 0), (['--shifts'], 4), (['--shifts=4'], 4),
                                             (['--shifts=8'], 8)])
def test_shifts_flag_counts_the_moves(monkeypatch, flags, expected):
    import train_mnist
    monkeypatch.setattr(sys, 'argv', ['train_mnist.py', *flags])
    assert train_mnist.parse_args().shifts == expected


@pytest.mark.parametrize('value', ['5', '1', '-4', 'yes'])
def test_other_counts_of_shifts_are_refused(value, tmp_path):
    result = run_in_process('train_mnist.py', f'--shifts={value}', f'--models_dir={tmp_path}')
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert repr(value) in last_line(result.stderr) and '8' in last_line(result.stderr)


def test_a_description_of_shifts_true_or_false_means_four_moves_or_none():
    assert model_info(shifts=True).shifts == 4 and model_info(shifts=False).shifts == 0
    assert 'shifts 5' in model_info(shifts=5).problem()
    assert 'eight directions' in model_info(shifts=8, epochs=1).summary()


def test_shifts_and_deskewing_are_refused_together(tmp_path):
    result = run_in_process('train_mnist.py', '--shifts', '--deskew', '--data=bundled',
                            '--epochs=1', f'--models_dir={tmp_path}')
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert 'shifts' in last_line(result.stderr) and 'deskew' in last_line(result.stderr)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize('shape, size', [((37, 28, 28), 10), ((37, 28, 28), 40),
                                         ((37, 32, 32, 3), 16), ((0, 28, 28), 10)])
def test_shrink_all_shrinks_in_blocks_as_shrink_does_one_image(monkeypatch, shape, size):
    monkeypatch.setattr(images, 'SHRINK_BLOCK', 8)  # blocks of 8 and a short last one
    pictures = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    shrunk = images.shrink_all(pictures, size)
    assert shrunk.shape == (shape[0], size, size) + shape[3:] and shrunk.dtype == np.uint8
    for picture, one in zip(pictures, shrunk):
        np.testing.assert_array_equal(one, images.shrink(picture, size))
