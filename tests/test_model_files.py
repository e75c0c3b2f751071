import json
import os

import h5py
import numpy as np
import pytest

import config
import util
from cli import UsageError
from conftest import rigged_model, shared_file


def write_keras2_gru_file(path, levels=7, units=8, seed=0):
    """A model file laid out as Keras 2.2.4 writes the tutorial's GRU; returns its weights."""
    rng = np.random.default_rng(seed)
    weights = {
        'gru_1': [rng.normal(0, 0.5, (levels, 3 * units)), rng.normal(0, 0.5, (units, 3 * units)),
                  rng.normal(0, 0.5, (3 * units,))],
        'time_distributed_1': [rng.normal(0, 0.5, (units, levels)), rng.normal(0, 0.5, (levels,))],
    }
    gru = {'name': 'gru_1', 'units': units, 'activation': 'tanh',
           'recurrent_activation': 'hard_sigmoid', 'reset_after': False,
           'return_sequences': True, 'batch_input_shape': [None, None, levels]}
    layers = [{'class_name': 'GRU', 'config': gru},
              {'class_name': 'TimeDistributed', 'config': {'name': 'time_distributed_1'}},
              {'class_name': 'Activation', 'config': {'name': 'activation_1',
                                                       'activation': 'softmax'}}]
    with h5py.File(path, 'w') as f:
        f.attrs['keras_version'] = b'2.2.4'
        f.attrs['backend'] = b'tensorflow'
        f.attrs['model_config'] = json.dumps(
            {'class_name': 'Sequential', 'config': {'name': 'sequential_1', 'layers': layers}})
        group = f.create_group('model_weights')
        group.attrs['layer_names'] = [b'gru_1', b'time_distributed_1', b'activation_1']
        group.create_group('activation_1').attrs['weight_names'] = np.array([], dtype='S1')
        for name, arrays in weights.items():
            names = ['kernel:0', 'recurrent_kernel:0', 'bias:0'][:len(arrays)]
            if name == 'time_distributed_1':
                names = ['kernel:0', 'bias:0']
            layer = group.create_group(name)
            layer.attrs['weight_names'] = [f'{name}/{n}'.encode() for n in names]
            for n, array in zip(names, arrays):
                layer.create_dataset(f'{name}/{n}', data=array.astype(np.float32))
    return weights


def keras2_log_likelihood(weights, levels):
    """Keras 2's GRU (reset_after=False, hard_sigmoid = clip(0.2 x + 0.5)) in NumPy."""
    kernel, recurrent, bias = weights['gru_1']
    dense_kernel, dense_bias = weights['time_distributed_1']
    units = recurrent.shape[0]
    hard_sigmoid = lambda x: np.clip(0.2 * x + 0.5, 0, 1)
    num_levels = kernel.shape[0]
    xs = util.to_sequences(levels, num_levels)
    state = np.zeros((len(levels), units))
    total = np.zeros(len(levels))
    pixels = levels.reshape(len(levels), -1)
    for step in range(pixels.shape[1]):
        x = xs[:, step]
        z = hard_sigmoid(x @ kernel[:, :units] + state @ recurrent[:, :units] + bias[:units])
        r = hard_sigmoid(x @ kernel[:, units:2 * units] + state @ recurrent[:, units:2 * units]
                         + bias[units:2 * units])
        candidate = np.tanh(x @ kernel[:, 2 * units:] + (r * state) @ recurrent[:, 2 * units:]
                            + bias[2 * units:])
        state = z * state + (1 - z) * candidate
        logits = state @ dense_kernel + dense_bias
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        total += log_probs[np.arange(len(levels)), pixels[:, step]]
    return total


def test_keras2_files_load_with_keras2_hard_sigmoid(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    weights = write_keras2_gru_file(path)
    levels = np.random.default_rng(1).integers(0, 7, (6, 10, 10))
    model = util.load_model(path)
    np.testing.assert_allclose(util.log_likelihood(model, levels),
                               keras2_log_likelihood(weights, levels), rtol=1e-4)


def test_a_keras2_model_resaves_as_keras3_and_samples(tmp_path):
    path, resaved = str(tmp_path / 'old.h5'), str(tmp_path / 'new.h5')
    write_keras2_gru_file(path)
    model = util.load_model(path)
    util.save_model(model, resaved)
    with h5py.File(resaved, 'r') as f:
        assert f.attrs['keras_version'].startswith('3.')
    levels = np.random.default_rng(2).integers(0, 7, (3, 10, 10))
    np.testing.assert_allclose(util.log_likelihood(util.load_model(resaved), levels),
                               util.log_likelihood(model, levels), rtol=1e-6)
    assert util.sample(util.load_model(resaved), 10, 7, num_images=2, seed=0).shape == (2, 10, 10)


def test_the_tutorials_digit0_model_matches_its_reference_figure():
    mnist = np.load(shared_file('data', 'mnist.npz'))
    model = util.load_model(shared_file('fixtures', 'keras2-gru-digit0.h5'))
    zeros = mnist['x_test'][mnist['y_test'] == 0][:100]
    log_likelihoods = util.log_likelihood(model, util.quantize(zeros))
    assert log_likelihoods.mean() == pytest.approx(-44.45, abs=0.01)
    np.testing.assert_allclose(log_likelihoods[:3], [-49.78, -40.63, -39.25], atol=0.01)


def test_save_and_load_round_trip_gives_identical_outputs(tmp_path):
    model = util.create_model(config.num_classes, units=16)
    path = str(tmp_path / 'model_3.h5')
    util.save_model(model, path, class_frequency=0.25)
    assert os.stat(path).st_mode & 0o044, 'others may read it, as any file the user writes'
    loaded = util.load_model(path)
    xs = util.to_sequences(np.random.default_rng(0).integers(0, 7, (2, 10, 10)), 7)
    np.testing.assert_array_equal(loaded.predict_on_batch(xs), model.predict_on_batch(xs))
    with h5py.File(path, 'r') as f:
        assert f.attrs['class_frequency'] == 0.25


def test_a_failed_save_leaves_the_earlier_file_whole(tmp_path, monkeypatch):
    path = str(tmp_path / 'model_0.h5')
    util.save_model(util.create_model(7, units=4), path)
    before = open(path, 'rb').read()
    model = util.create_model(7, units=8)

    def crash(filepath, *args, **kwargs):
        with open(filepath, 'wb') as f:
            f.write(b'half a model')
        raise KeyboardInterrupt
    monkeypatch.setattr(model, 'save', crash)
    with pytest.raises(KeyboardInterrupt):
        util.save_model(model, path)
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['model_0.h5']


def test_model_with_other_number_of_levels_is_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    util.save_model(rigged_model(np.full(5, 0.2)), path)
    with pytest.raises(UsageError, match='5 intensity levels'):
        util.load_model(path)


def test_corrupt_file_is_refused(tmp_path):
    path = tmp_path / 'model_0.h5'
    path.write_bytes(b'not a model')
    with pytest.raises(UsageError, match='not a readable model file'):
        util.load_model(str(path))
