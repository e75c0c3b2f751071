
import numpy as np
import pytest

import config
from conftest import rigged_model, shipped
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import classifier
from pixel_rnn import images as imaging
from pixel_rnn.errors import UsageError


def test_log_space_classification_survives_what_underflows_a_product():
    # At 28x28 an all-black image has probability 0.1**784 under model 0 and
    # 0.3**784 under model 1: both products are 0.0 even in float64.
    models = [rigged_model([0.1] + [0.15] * 6, image_size=28),
              rigged_model([0.3] + [0.7 / 6] * 6, image_size=28, class_name='1')]
    black = np.zeros((3, 28, 28), np.uint8)
    product = [np.prod(np.full(784, p)) for p in (0.1, 0.3)]
    assert product == [0.0, 0.0], 'the case must underflow a product of probabilities'
    np.testing.assert_array_equal(BayesClassifier(models).predict(black), [1, 1, 1])


def test_priors_enter_as_logs_and_decide_between_equal_likelihoods():
    uniform = np.full(7, 1 / 7)
    models = [rigged_model(uniform, prior=0.2), rigged_model(uniform, prior=0.8)]
    np.testing.assert_allclose(classifier.log_priors(models), np.log([0.2, 0.8]))
    images = np.zeros((2, 28, 28), np.uint8)
    np.testing.assert_array_equal(BayesClassifier(models).predict(images), [1, 1])
    log_likelihoods = BayesClassifier(models).log_likelihoods(images)
    np.testing.assert_array_equal(
        classifier.bayes_decision(log_likelihoods, np.log([0.9, 0.1])), [0, 0])


def test_models_without_stored_priors_get_uniform_priors():
    uniform = np.full(7, 1 / 7)
    models = [rigged_model(uniform, prior=0.9), rigged_model(uniform)]
    np.testing.assert_allclose(classifier.log_priors(models), np.log([0.5, 0.5]))


def test_bayes_decision_adds_log_priors():
    log_likelihoods = np.array([[-10.0, -10.5], [-10.0, -12.0]])
    np.testing.assert_array_equal(classifier.bayes_decision(log_likelihoods, np.log([0.25, 0.75])),
                                  [1, 0])


def test_a_latent_choice_averages_likelihoods_not_their_logs():
    # Likelihoods e**-1000 and e**-1002: their mean underflows as a product
    # of probabilities but not in log space.
    log_likelihoods = np.array([[-1000.0], [-1002.0]])
    expected = -1000 + np.log((1 + np.exp(-2)) / 2)
    np.testing.assert_allclose(classifier.mixture_log_likelihood(log_likelihoods), [expected])


def test_a_class_likelihood_over_moves_is_the_mean_of_their_likelihoods():
    model = rigged_model([0.6, 0.3, 0.1], image_size=2)
    dark, light = np.zeros((1, 2, 2), np.uint8), np.full((1, 2, 2), 2, np.uint8)
    # Four sub-pixels each: 0.6**4 = 0.1296 for the dark levels, 0.1**4 = 0.0001 for the light.
    np.testing.assert_allclose(classifier.class_log_likelihood(model, [dark, light]),
                               [np.log((0.1296 + 0.0001) / 2)], rtol=1e-5)
    np.testing.assert_allclose(classifier.class_log_likelihood(model, [light]), [np.log(0.0001)],
                               rtol=1e-5)


def random_models(rng, count):
    models = []
    for digit in range(count):
        model = rigged_model(np.full(7, 1 / 7), units=8, class_name=str(digit),
                             prior=0.1 + digit / 10)
        # Weights drawn here, not by Keras's unseeded initializers, so the case is the
        # same every run.
        model.network.set_weights([rng.normal(0, 0.8, w.shape)
                                   for w in model.network.get_weights()])
        models.append(model)
    return models


def test_classify_skips_what_cannot_win_and_decides_as_the_full_computation():
    rng = np.random.default_rng(0)
    models = random_models(rng, 4)
    images = rng.integers(0, 256, (300, 28, 28), dtype=np.uint8)
    images[:100, :12] = 0  # shared beginnings
    full = classifier.bayes_decision(BayesClassifier(models).log_likelihoods(images),
                               classifier.log_priors(models))
    assert len(set(full)) > 1, 'the case must have more than one winner'
    np.testing.assert_array_equal(BayesClassifier(models).predict(images), full)
    levels = imaging.quantize(images)
    exact = models[1].log_likelihood(levels)
    floor = np.full(len(images), np.median(exact))
    bounded = models[1].log_likelihood(levels, floor)
    above = exact >= floor
    np.testing.assert_allclose(bounded[above], exact[above], rtol=1e-6)
    assert (bounded[~above] < floor[~above]).all() and (bounded[~above] >= exact[~above]).all()


def test_own_class_log_likelihoods_are_the_matrix_entries_of_the_labels():
    models = [rigged_model([0.1] + [0.15] * 6, class_name='0'),
              rigged_model([0.4] + [0.1] * 6, class_name='1')]
    images = np.random.default_rng(1).integers(0, 256, (6, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 1, 0, 1, 0])
    matrix = BayesClassifier(models).log_likelihoods(images)
    np.testing.assert_allclose(BayesClassifier(models).own_log_likelihoods(images, labels),
                               matrix[np.arange(6), labels], rtol=1e-6)


def test_moves_average_each_class_likelihood_over_the_image_and_its_moves():
    assert [len(imaging.scored_moves(count)) for count in config.SCORED_MOVES] == [0, 2, 4, 8]
    assert sorted(map(abs, np.ravel(imaging.scored_moves(2)))) == [0, 0, 1, 1], 'one per axis'
    rng = np.random.default_rng(0)
    models = random_models(rng, 4)
    images = rng.integers(0, 256, (300, 28, 28), dtype=np.uint8)
    images[:100, :12] = 0
    moves = imaging.scored_moves(2)
    by_move = [BayesClassifier(models).log_likelihoods(imaging.moved(images, *move))
               for move in [(0, 0), *moves]]
    expected = np.log(np.mean(np.exp(by_move), axis=0))
    log_likelihoods = BayesClassifier(models).log_likelihoods(images, moves=moves)
    np.testing.assert_allclose(log_likelihoods, expected, rtol=1e-6)
    decisions = classifier.bayes_decision(log_likelihoods, classifier.log_priors(models))
    assert len(set(decisions)) > 1, 'the case must have more than one winner'
    unmoved = classifier.bayes_decision(by_move[0], classifier.log_priors(models))
    assert (decisions != unmoved).any(), 'the moves must change some decisions'
    np.testing.assert_array_equal(BayesClassifier(models).predict(images, moves=moves), decisions)


def test_the_classifier_answers_as_scikit_learn_estimators_do():
    from pixel_rnn.datasets import mnist
    bayes = BayesClassifier.from_folder(shipped('mnist_models'),
                                        mnist.MNIST, ['1', '3', '7'])
    data = mnist.load('bundled')
    chosen = np.isin(data.y_test, [1, 3, 7])
    images, labels = data.x_test[chosen][:40], data.y_test[chosen][:40]
    positions = np.searchsorted([1, 3, 7], labels)
    assert bayes.classes_ == ['1', '3', '7']
    log_likelihoods = bayes.log_likelihoods(images)
    probabilities = bayes.predict_proba(images)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(np.exp(bayes.predict_log_proba(images)), probabilities,
                               rtol=1e-9)
    decisions = bayes.predict(images)
    np.testing.assert_array_equal(decisions, np.argmax(probabilities, axis=1))
    np.testing.assert_array_equal(
        decisions, classifier.bayes_decision(log_likelihoods, bayes.log_priors_))
    assert bayes.score(images, positions) == np.mean(decisions == positions) > 0.9
    samples = bayes.sample(1, num_images=2, seed=0)
    np.testing.assert_array_equal(samples, bayes.models[1].sample(2, seed=0))
    completions = bayes.complete(1, images[:2], given_rows=4, num_completions=3, seed=0)
    assert completions.shape == (2, 3, 10, 10)
    given = imaging.to_levels(images[:2], bayes.info)[:, None, :4]
    np.testing.assert_array_equal(completions[:, :, :4], np.repeat(given, 3, axis=1))


def test_the_classifier_refuses_what_is_not_images_and_takes_none():
    models = [rigged_model(np.full(7, 1 / 7)), rigged_model(np.full(7, 1 / 7), class_name='1')]
    bayes = BayesClassifier(models)
    with pytest.raises(UsageError, match=r'images of shape \(28, 28\) are not pictures'):
        bayes.predict(np.zeros((28, 28), np.uint8))  # one image without its axis
    with pytest.raises(UsageError, match='given_rows 11 is not a row count within 0-10'):
        bayes.complete(0, np.zeros((1, 28, 28), np.uint8), 11, 2)
    none = np.zeros((0, 28, 28), np.uint8)
    assert bayes.predict(none).shape == (0,) and bayes.predict_proba(none).shape == (0, 2)
