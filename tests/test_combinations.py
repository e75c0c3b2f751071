import numpy as np

from bench.combinations import mean_likelihood
from util import shifted


def test_a_latent_choice_averages_likelihoods_not_their_logs():
    # Likelihoods e**-1000 and e**-1002: their mean underflows as a product
    # of probabilities but not in log space.
    log_likelihoods = np.array([[-1000.0], [-1002.0]])
    expected = -1000 + np.log((1 + np.exp(-2)) / 2)
    np.testing.assert_allclose(mean_likelihood(log_likelihoods), [expected])


def test_colour_images_move_by_whole_pixels_and_keep_their_channels():
    images = np.arange(2 * 3 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 3)
    moved = shifted(images, 1, 0)
    np.testing.assert_array_equal(moved[:, 1:], images[:, :-1])
    assert not moved[:, 0].any()
    np.testing.assert_array_equal(shifted(images[..., 0], 0, -1)[:, :, :-1], images[:, :, 1:, 0])
