import os

import numpy as np
import pytest
from PIL import Image

import config
from pixel_rnn.architectures import gru
from pixel_rnn.datasets import mnist
from pixel_rnn import pictures
from bench.tutorial_baseline import sample_by_prefix
from conftest import gru_model, rigged_model, shipped
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets


def test_a_model_with_all_mass_on_one_level_samples_only_that_level():
    for level in (0, 3, 6):
        probabilities = np.eye(config.levels)[level]
        images = rigged_model(probabilities).sample(num_images=4, seed=level)
        assert images.shape == (4, 10, 10)
        assert (images == level).all()


def test_samples_follow_the_model_distribution_including_the_first_pixel():
    probabilities = np.array([0.5, 0.3, 0.2])
    images = rigged_model(probabilities).sample(num_images=40, seed=0)
    frequencies = np.bincount(images.ravel(), minlength=3) / images.size
    # 4,000 draws: the standard error of each frequency is below 0.008.
    np.testing.assert_allclose(frequencies, probabilities, atol=0.04)
    first_pixels = np.bincount(images[:, 0, 0], minlength=3)
    assert first_pixels[1:].sum() > 0, 'the first pixel must be drawn, not fixed to 0'


def test_sampling_draws_by_inverse_cdf():
    model = rigged_model([0.2, 0.5, 0.3])
    uniforms = np.array([[0.0, 0.19, 0.21, 0.69, 0.71, 0.999]])
    np.testing.assert_array_equal(model.draw(uniforms), [[0, 0, 1, 1, 2, 2]])


def test_carried_state_draws_the_same_pixels_as_the_tutorials_prefix_method():
    # The prefix method's predict costs some 50 ms a sub-pixel: two images of 25.
    model = gru_model(units=32, image_size=5)
    uniforms = np.random.default_rng(3).random((2, 25))
    np.testing.assert_array_equal(model.draw(uniforms), sample_by_prefix(model, uniforms))


def test_temperature_sharpens_and_flattens():
    model = rigged_model([0.7, 0.2, 0.1])
    cold = model.sample(num_images=10, seed=0, temperature=0.05)
    hot = model.sample(num_images=10, seed=0, temperature=100.0)
    assert (cold == 0).all()
    assert np.abs(np.bincount(hot.ravel(), minlength=3) / hot.size - 1 / 3).max() < 0.05


def test_seed_makes_samples_repeatable():
    model = rigged_model(np.full(config.levels, 1 / config.levels), image_size=5)
    first = model.sample(num_images=2, seed=7)
    np.testing.assert_array_equal(first, model.sample(num_images=2, seed=7))
    assert first.shape == (2, 5, 5)


def test_log_likelihood_sums_log_probabilities_of_every_pixel():
    probabilities = np.array([0.6, 0.3, 0.1])
    levels = np.random.default_rng(0).integers(0, 3, (5, 4, 4))
    expected = np.log(probabilities)[levels].sum(axis=(1, 2))
    got = rigged_model(probabilities, image_size=4).log_likelihood(levels)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize('levels, bits', [(2, 1.0), (4, 2.0), (7, np.log2(7))])
def test_bits_per_dim_of_a_uniform_model_is_log2_of_its_levels(levels, bits):
    # Every one of the 16 sub-pixels has probability 1 / levels: log2(levels) bits each.
    images = np.random.default_rng(levels).integers(0, levels, (3, 4, 4))
    model = rigged_model(np.full(levels, 1 / levels), image_size=4)
    log_likelihoods = model.log_likelihood(images)
    assert classifier.bits_per_dim(log_likelihoods, 16) == pytest.approx(bits, rel=1e-5)
    # The mean over images: one of 1 bit a sub-pixel and one of 3 bits, 2.
    assert classifier.bits_per_dim(np.array([-16, -48]) * np.log(2), 16) == pytest.approx(2.0)


def test_image_grid_places_samples_row_by_row_between_white_lines():
    tiles = [np.full((2, 2), value, np.uint8) for value in range(9)]
    grid = pictures.image_grid(tiles)
    assert grid.shape == (8, 8)
    assert grid[0, 3] == 1 and grid[3, 0] == 3 and grid[7, 7] == 8
    assert (grid[2] == 255).all() and (grid[:, 5] == 255).all()
    assert (grid[[0, 1, 3, 4, 6, 7]][:, [0, 1, 3, 4, 6, 7]] < 9).all()
    colour = pictures.image_grid([np.zeros((3, 2, 3), np.uint8)] * 6, columns=3)
    assert colour.shape == (7, 8, 3) and (colour[3] == 255).all()


@pytest.mark.parametrize('chunk, min_chunk', [(gru.CHUNK, gru.MIN_CHUNK), (4, 2)])
def test_log_likelihood_with_shared_prefixes_equals_the_full_sequence_pass(
        chunk, min_chunk, monkeypatch):
    # (4, 2): the rows of a step span several compiled calls, the last one padded.
    monkeypatch.setattr(gru, 'CHUNK', chunk)
    monkeypatch.setattr(gru, 'MIN_CHUNK', min_chunk)
    monkeypatch.setattr(gru, 'FEW', 0)  # the step, however few the images
    model = gru_model(units=32, image_size=6)
    rng = np.random.default_rng(4)
    levels = rng.integers(0, config.levels, (12, 6, 6))
    levels[:6, :3] = 0  # shared beginnings
    levels[6] = levels[7]  # and a duplicate
    probabilities = model.network.predict(gru.to_sequences(levels, config.levels),
                                          verbose=0)
    pixels = levels.reshape(12, -1)
    expected = np.log(np.take_along_axis(probabilities[:, :-1], pixels[..., None], axis=-1))
    np.testing.assert_allclose(model.log_likelihood(levels), expected.sum(axis=(1, 2)),
                               rtol=1e-5)


def test_a_picture_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    path = str(tmp_path / 'grid.png')
    pictures.save_picture(np.zeros((4, 4), np.uint8), path, 'PNG')
    before = open(path, 'rb').read()

    def crash(self, target, *args, **kwargs):
        target.write(b'half a picture')
        raise KeyboardInterrupt
    monkeypatch.setattr(Image.Image, 'save', crash)
    with pytest.raises(KeyboardInterrupt):
        pictures.save_picture(np.full((4, 4), 255, np.uint8), path, 'PNG')
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['grid.png']


def full_pass_log_likelihood(model, levels):
    """Each image's log-likelihood by the Keras network's own pass over its
    whole sequence, as training sees it."""
    probabilities = model.network.predict(
        gru.to_sequences(levels, model.info.levels, model.info.colours), verbose=0,
        batch_size=len(levels))  # a batch of all: the fewest of the GRU's sequential steps
    pixels = levels.reshape(len(levels), -1)
    return np.log(np.take_along_axis(probabilities[:, :-1], pixels[..., None],
                                     axis=-1)).sum(axis=(1, 2))


def test_gru_models_of_one_shape_share_a_step_each_with_its_own_weights(monkeypatch):
    monkeypatch.setattr(gru, 'FEW', 0)
    first, second = gru_model(units=16, image_size=5), gru_model(units=16, image_size=5)
    assert gru.shared_step(first.info) is gru.shared_step(second.info)
    levels = np.random.default_rng(6).integers(0, config.levels, (8, 5, 5))
    for model in (first, second, first):  # in turn, each with its own weights
        np.testing.assert_allclose(model.log_likelihood(levels),
                                   full_pass_log_likelihood(model, levels), rtol=1e-5)


def test_a_few_images_take_one_pass_of_the_network_and_agree_with_the_step(monkeypatch):
    model = gru_model(units=32, image_size=6)
    levels = np.random.default_rng(7).integers(0, config.levels, (gru.FEW, 6, 6))
    with monkeypatch.context() as patched:
        patched.setattr(gru, 'shared_step', lambda info: pytest.fail('the step ran'))
        few = model.log_likelihood(levels)
    monkeypatch.setattr(gru, 'FEW', 0)
    np.testing.assert_allclose(few, model.log_likelihood(levels), rtol=1e-5)


@pytest.mark.slow
def test_the_shipped_gru_set_decides_as_its_networks_own_passes():
    settings = mnist.MNIST
    models = sets.load_models(shipped('mnist_models'),
                              settings.class_names, settings)
    images = mnist.load('bundled').x_test[:120]
    levels = imaging.to_levels(images, models[0].info)
    own = np.stack([full_pass_log_likelihood(model, levels) for model in models], axis=1)
    fast = BayesClassifier(models).log_likelihoods(images)
    np.testing.assert_allclose(fast, own, rtol=1e-4)
    decisions = classifier.bayes_decision(own, classifier.log_priors(models))
    np.testing.assert_array_equal(BayesClassifier(models).predict(images), decisions)
