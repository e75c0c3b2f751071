import numpy as np

import util
from conftest import rigged_model


def test_log_space_classification_survives_what_underflows_a_product():
    # At 28x28 an all-black image has probability 0.1**784 under model 0 and
    # 0.3**784 under model 1: both products are 0.0 even in float64.
    models = [rigged_model([0.1] + [0.15] * 6, image_size=28),
              rigged_model([0.3] + [0.7 / 6] * 6, image_size=28, class_name='1')]
    black = np.zeros((3, 28, 28), np.uint8)
    product = [np.prod(np.full(784, p)) for p in (0.1, 0.3)]
    assert product == [0.0, 0.0], 'the case must underflow a product of probabilities'
    np.testing.assert_array_equal(util.classify(models, black), [1, 1, 1])


def test_priors_enter_as_logs_and_decide_between_equal_likelihoods():
    uniform = np.full(7, 1 / 7)
    models = [rigged_model(uniform, prior=0.2), rigged_model(uniform, prior=0.8)]
    np.testing.assert_allclose(util.log_priors(models), np.log([0.2, 0.8]))
    images = np.zeros((2, 28, 28), np.uint8)
    np.testing.assert_array_equal(util.classify(models, images), [1, 1])
    log_likelihoods = util.log_likelihoods_by_class(models, images)
    np.testing.assert_array_equal(
        util.bayes_decision(log_likelihoods, np.log([0.9, 0.1])), [0, 0])


def test_models_without_stored_priors_get_uniform_priors():
    uniform = np.full(7, 1 / 7)
    models = [rigged_model(uniform, prior=0.9), rigged_model(uniform)]
    np.testing.assert_allclose(util.log_priors(models), np.log([0.5, 0.5]))


def test_bayes_decision_adds_log_priors():
    log_likelihoods = np.array([[-10.0, -10.5], [-10.0, -12.0]])
    np.testing.assert_array_equal(util.bayes_decision(log_likelihoods, np.log([0.25, 0.75])),
                                  [1, 0])
