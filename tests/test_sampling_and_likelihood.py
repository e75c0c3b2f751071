import numpy as np

import config
import util
from conftest import rigged_model


def test_a_model_with_all_mass_on_one_level_samples_only_that_level():
    for level in (0, 3, 6):
        probabilities = np.eye(config.num_classes)[level]
        images = util.sample(rigged_model(probabilities), 10, config.num_classes,
                             num_images=4, seed=level)
        assert images.shape == (4, 10, 10)
        assert (images == level).all()


def test_samples_follow_the_model_distribution_including_the_first_pixel():
    probabilities = np.array([0.5, 0.3, 0.2])
    images = util.sample(rigged_model(probabilities), 10, 3, num_images=40, seed=0)
    frequencies = np.bincount(images.ravel(), minlength=3) / images.size
    # 4,000 draws: the standard error of each frequency is below 0.008.
    np.testing.assert_allclose(frequencies, probabilities, atol=0.04)
    first_pixels = np.bincount(images[:, 0, 0], minlength=3)
    assert first_pixels[1:].sum() > 0, 'the first pixel must be drawn, not fixed to 0'


def test_draw_is_the_inverse_cdf():
    probabilities = np.array([[0.2, 0.5, 0.3]] * 5)
    uniforms = np.array([0.0, 0.19, 0.2, 0.69, 0.999])
    np.testing.assert_array_equal(util.draw(probabilities, uniforms), [0, 0, 1, 1, 2])


def test_seed_makes_samples_repeatable():
    model = rigged_model(np.full(config.num_classes, 1 / config.num_classes))
    first = util.sample(model, 5, config.num_classes, num_images=2, seed=7)
    again = util.sample(model, 5, config.num_classes, num_images=2, seed=7)
    np.testing.assert_array_equal(first, again)


def test_log_likelihood_sums_log_probabilities_of_every_pixel():
    probabilities = np.array([0.6, 0.3, 0.1])
    levels = np.random.default_rng(0).integers(0, 3, (5, 4, 4))
    expected = np.log(probabilities)[levels].sum(axis=(1, 2))
    got = util.log_likelihood(rigged_model(probabilities), levels, batch_size=2)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert util.bits_per_dim(expected, 16) > 0


def test_image_grid_places_samples_row_by_row():
    tiles = [np.full((2, 2), value, np.uint8) for value in range(9)]
    grid = util.image_grid(tiles)
    assert grid.shape == (6, 6)
    assert grid[0, 2] == 1 and grid[2, 0] == 3 and grid[5, 5] == 8
