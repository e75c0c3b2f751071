"""Likelihoods computed in several threads at once, as a page serving several
people from one process computes them, are those one thread gets alone."""
import threading

import numpy as np
import pytest

from conftest import shipped
from pixel_rnn.datasets import DATASETS, mnist
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets

ROUNDS = 2


def likelihoods_in_threads(models, levels):
    """Each of models' log-likelihoods of levels ROUNDS times, in a thread of
    its own, all started together so that their steps interleave."""
    barrier = threading.Barrier(len(models))
    results = [[] for _ in models]

    def run(model, result):
        barrier.wait()
        for _ in range(ROUNDS):
            result.append(model.log_likelihood(levels))

    threads = [threading.Thread(target=run, args=pair) for pair in zip(models, results)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize('folder', ['mnist_models', 'mnist_pixelcnn_models'])
def test_threads_at_once_get_the_likelihoods_one_thread_gets_alone(folder):
    settings = DATASETS['mnist']
    first, second = sets.load_models(shipped(folder),
                                     settings.class_names[:2], settings)
    levels = imaging.to_levels(mnist.load('bundled').x_test[:100], first.info)
    # Two classes' models, one of them in two threads; fresh, so that the
    # threads also compile at once what later calls reuse.
    models = [first, second, first]
    in_threads = likelihoods_in_threads(models, levels)
    alone = {model: model.log_likelihood(levels) for model in (first, second)}
    for model, rounds in zip(models, in_threads):
        for result in rounds:
            np.testing.assert_allclose(result, alone[model], rtol=0, atol=1e-9)
