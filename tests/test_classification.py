import dataclasses

import h5py
import numpy as np

import config
import util
from conftest import rigged_model


def save_rigged(models_dir, label, probabilities, class_frequency=None):
    util.save_model(rigged_model(probabilities), util.model_path(models_dir, label),
                    class_frequency)


def test_log_space_classification_survives_what_underflows_a_product(tmp_path):
    # At 28x28 an all-black image has probability 0.1**784 under model 0 and
    # 0.3**784 under model 1: both products are 0.0 even in float64.
    save_rigged(str(tmp_path), 0, [0.1] + [0.15] * 6)
    save_rigged(str(tmp_path), 1, [0.3] + [0.7 / 6] * 6)
    black = np.zeros((3, 28, 28), np.uint8)
    product = [np.prod(np.full(784, p)) for p in (0.1, 0.3)]
    assert product == [0.0, 0.0], 'the case must underflow a product of probabilities'
    settings = dataclasses.replace(config.MNIST, target_size=28)
    predictions = util.classify(str(tmp_path), black, labels=[0, 1], settings=settings)
    np.testing.assert_array_equal(predictions, [1, 1, 1])


def test_priors_enter_as_logs_and_decide_between_equal_likelihoods(tmp_path):
    uniform = np.full(7, 1 / 7)
    save_rigged(str(tmp_path), 0, uniform, class_frequency=0.2)
    save_rigged(str(tmp_path), 1, uniform, class_frequency=0.8)
    np.testing.assert_allclose(util.stored_log_priors(str(tmp_path), [0, 1]),
                               np.log([0.2, 0.8]))
    images = np.zeros((2, 28, 28), np.uint8)
    np.testing.assert_array_equal(util.classify(str(tmp_path), images, labels=[0, 1]), [1, 1])
    given = np.log([0.9, 0.1])
    np.testing.assert_array_equal(
        util.classify(str(tmp_path), images, labels=[0, 1], log_priors=given), [0, 0])


def test_models_without_stored_frequencies_get_uniform_priors(tmp_path):
    save_rigged(str(tmp_path), 0, np.full(7, 1 / 7), class_frequency=0.9)
    save_rigged(str(tmp_path), 1, np.full(7, 1 / 7))
    with h5py.File(util.model_path(str(tmp_path), 1), 'r') as f:
        assert 'class_frequency' not in f.attrs
    np.testing.assert_allclose(util.stored_log_priors(str(tmp_path), [0, 1]), np.log([0.5, 0.5]))


def test_bayes_decision_adds_log_priors():
    log_likelihoods = np.array([[-10.0, -10.5], [-10.0, -12.0]])
    np.testing.assert_array_equal(util.bayes_decision(log_likelihoods, np.log([0.25, 0.75])),
                                  [1, 0])
