import dataclasses
import json
import os
import resource
import signal
import socket
import time
import types

import h5py
import numpy as np
import pytest

from pixel_rnn.datasets import cifar, fashion
from pixel_rnn.datasets import mnist
from pixel_rnn import files
from pixel_rnn.modelfile import saving
from pixel_rnn.modelfile import loading
from pixel_rnn.modelfile import sets
from pixel_rnn.description import CONSTRAINTS, MEASURED, ModelInfo
from pixel_rnn.training import flags
from pixel_rnn.architectures import gru
from conftest import gru_model, model_info, shared_file, shipped
from pixel_rnn.errors import UsageError
from pixel_rnn import architectures
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import images as imaging


def write_keras2_gru_file(path, levels=7, units=8, seed=0, declared_units=None):
    """A model file laid out as Keras 2.2.4 writes the tutorial's GRU; returns its weights."""
    rng = np.random.default_rng(seed)
    weights = {
        'gru_1': [rng.normal(0, 0.5, (levels, 3 * units)), rng.normal(0, 0.5, (units, 3 * units)),
                  rng.normal(0, 0.5, (3 * units,))],
        'time_distributed_1': [rng.normal(0, 0.5, (units, levels)), rng.normal(0, 0.5, (levels,))],
    }
    gru = {'name': 'gru_1', 'units': declared_units or units, 'activation': 'tanh',
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

    def hard_sigmoid(x):
        return np.clip(0.2 * x + 0.5, 0, 1)
    xs = gru.to_sequences(levels, kernel.shape[0])  # the kernel's rows: one per level
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
    model = loading.load(path)
    assert (model.info.dataset, model.info.class_name, model.info.image_size,
            model.info.levels, model.info.colours) == ('mnist', '0', 10, 7, 1)
    np.testing.assert_allclose(model.log_likelihood(levels),
                               keras2_log_likelihood(weights, levels), rtol=1e-4)


def test_a_keras2_model_resaves_as_keras3_and_samples(tmp_path):
    path, resaved = str(tmp_path / 'model_0.h5'), str(tmp_path / 'new.h5')
    write_keras2_gru_file(path)
    model = loading.load(path)
    saving.save(model, resaved)
    with h5py.File(resaved, 'r') as f:
        assert f.attrs['keras_version'].startswith('3.')
    again = loading.load(resaved)
    assert again.info.params['recurrent_activation'] == 'keras2_hard_sigmoid'
    levels = np.random.default_rng(2).integers(0, 7, (3, 10, 10))
    np.testing.assert_allclose(again.log_likelihood(levels), model.log_likelihood(levels),
                               rtol=1e-6)
    assert again.sample(num_images=2, seed=0).shape == (2, 10, 10)


def test_the_tutorials_digit0_model_matches_its_reference_figure():
    mnist = np.load(shared_file('data', 'mnist.npz'))
    model = loading.load(shared_file('fixtures', 'keras2-gru-digit0.h5'))
    zeros = mnist['x_test'][mnist['y_test'] == 0][:100]
    log_likelihoods = model.log_likelihood(imaging.quantize(zeros))
    assert log_likelihoods.mean() == pytest.approx(-44.45, abs=0.01)
    np.testing.assert_allclose(log_likelihoods[:3], [-49.78, -40.63, -39.25], atol=0.01)


def test_a_file_records_what_it_models_and_how_it_was_trained(tmp_path):
    info = model_info(levels=5, image_size=12, units=16, class_name='3', prior=0.25,
                      data_source='mnist.npz', num_images=321, skip=500, epochs=7,
                      batch_size=16, seed=4, loss=0.5, deskew=True)
    model = architectures.create(info)
    path = str(tmp_path / 'model_3.h5')
    saving.save(model, path)
    assert os.stat(path).st_mode & 0o044, 'others may read it, as any file the user writes'
    with h5py.File(path, 'r') as f:
        assert f.attrs['image_size'] == 12 and f.attrs['levels'] == 5
        assert f.attrs['class_name'] == '3' and f.attrs['prior'] == 0.25
        assert f.attrs['arch'] == 'gru' and json.loads(f.attrs['params'])['units'] == 16
        assert f.attrs['deskew']
    loaded = loading.load(path)
    assert loaded.info == dataclasses.replace(info, keras_version=loaded.info.keras_version)
    assert loaded.info.keras_version.startswith('3.')
    assert loading.read_info(path) == loaded.info
    xs = gru.to_sequences(np.random.default_rng(0).integers(0, 5, (2, 12, 12)), 5)
    np.testing.assert_array_equal(loaded.network.predict_on_batch(xs),
                                  model.network.predict_on_batch(xs))


def test_a_failed_save_leaves_the_earlier_file_whole(tmp_path, monkeypatch):
    path = str(tmp_path / 'model_0.h5')
    saving.save(gru_model(units=4), path)
    before = open(path, 'rb').read()
    model = gru_model(units=8)

    def crash(descriptor):  # the new file written beside it, not yet in place
        raise KeyboardInterrupt
    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        saving.save(model, path)
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['model_0.h5']


def test_install_keeps_the_file_it_replaces(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    saving.save(gru_model(units=4), path)
    before = open(path, 'rb').read()
    assert saving.install(gru_model(units=8), path) == path + '.~1~'
    assert open(path + '.~1~', 'rb').read() == before
    assert saving.install(gru_model(units=6), path) == path + '.~2~'
    assert loading.load(path).info.params['units'] == 6
    assert sorted(os.listdir(tmp_path)) == ['model_0.h5', 'model_0.h5.~1~', 'model_0.h5.~2~']


def test_install_writes_neither_through_nor_over_a_link(tmp_path):
    target = tmp_path / 'elsewhere'
    target.write_bytes(b'not a model')
    path = tmp_path / 'model_0.h5'
    path.symlink_to(target)
    (tmp_path / 'model_0.h5.~1~').symlink_to(tmp_path / 'missing')  # once looped forever
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail('install hangs'))
    signal.alarm(20)
    try:
        kept = saving.install(gru_model(units=4), str(path))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert kept == f'{path}.~2~' and os.readlink(kept) == str(target)
    assert target.read_bytes() == b'not a model'
    assert not path.is_symlink() and loading.load(str(path)).info.params['units'] == 4


def test_temporary_files_of_dead_runs_are_cleaned_and_live_ones_kept(tmp_path):
    host = socket.gethostname()
    dead = tmp_path / f'model_0.999999999@{host}.tmp.h5'
    live = tmp_path / f'model_1.{os.getpid()}@{host}.tmp.h5'
    elsewhere = tmp_path / 'model_2.999999999@another-host.example.org.tmp.h5'
    other = tmp_path / 'notes.tmp'
    # Named as a temporary of a dead run of this host, but of no file of ours.
    users = tmp_path / f'notes.999999999@{host}.tmp.txt'
    below = tmp_path / 'sub' / f'model_0.999999999@{host}.tmp.h5'
    below.parent.mkdir()
    for path in (dead, live, elsewhere, other, users, below):
        path.write_bytes(b'x')
    assert files.temporary_name(str(tmp_path / 'model_1.h5')) == str(live)
    files.remove_stale_temporaries(str(tmp_path), r'model_\d\.h5')
    assert not dead.exists()
    assert live.exists() and elsewhere.exists() and other.exists() and users.exists()
    assert below.exists()


def test_corrupt_file_is_refused(tmp_path):
    path = tmp_path / 'model_0.h5'
    path.write_bytes(b'not a model')
    with pytest.raises(UsageError, match='not a readable model file'):
        loading.load(str(path))


def test_deskewing_is_described_only_as_true_or_false_and_only_for_grey_images():
    assert 'deskew' in model_info(deskew='yes').problem()
    assert 'deskew' in model_info(deskew=True, colours=3).problem()
    assert model_info(deskew=True).problem() is None
    assert model_info(deskew=True).summary().endswith(', deskewed')


def test_a_file_that_does_not_say_what_it_models_is_refused(tmp_path):
    import keras
    path = str(tmp_path / 'model_0.h5')
    with h5py.File(path, 'w') as f:
        f.create_group('model_weights')
    with pytest.raises(UsageError, match='does not say what it models'):
        loading.load(path)
    # A Keras file of a network other than the tutorial's (Keras 3 files of
    # its network load: test_tutorial.py).
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(path)
    with pytest.raises(UsageError, match="has no GRU layer; only the tutorial's GRU models"):
        loading.load(path)


def test_a_hostile_keras2_file_declaring_huge_units_is_refused_at_once(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    write_keras2_gru_file(path, declared_units=10 ** 8)
    assert os.path.getsize(path) < 20_000
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(UsageError, match='gru units 100000000'):
        loading.load(path)
    assert time.perf_counter() - start < 1
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before) / 1024
    assert grown_mb < 50


def rewrite_attribute(path, name, value):
    with h5py.File(path, 'a') as f:
        f.attrs[name] = value


def test_declared_shapes_that_do_not_match_the_stored_weights_are_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    saving.save(gru_model(units=8), path)
    rewrite_attribute(path, 'params', json.dumps(
        {'units': 4000, 'reset_after': True, 'recurrent_activation': 'sigmoid'}))
    with pytest.raises(UsageError,
                       match='stores 471 weights where the model it declares has 48,136,007'):
        loading.load(path)
    rewrite_attribute(path, 'image_size', 10 ** 6)
    with pytest.raises(UsageError, match='image_size 1000000'):
        loading.load(path)


def test_weights_declared_but_not_stored_are_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    saving.save(gru_model(units=8), path)
    with h5py.File(path, 'a') as f:
        group = f['model_weights']['gru']
        name = group.attrs['weight_names'][0]
        shape, dtype = group[name].shape, group[name].dtype
        del group[name]
        # Same shape, but no data written: the file holds none of its bytes.
        group.create_dataset(name, shape=shape, dtype=dtype, chunks=True)
    with pytest.raises(UsageError, match='holds'):
        loading.load(path)


@pytest.mark.parametrize('folder, settings, expected', [
    ('mnist_models', mnist.MNIST, dict(arch='gru', image_size=10, levels=7, shifts=0)),
    ('mnist_pixelcnn_models', mnist.MNIST,
     dict(arch='pixelcnn', image_size=14, levels=4, shifts=8, epochs=5)),
    ('cifar_models', cifar.CIFAR, dict(arch='gru', image_size=10, levels=7, colours=3)),
    ('fashion_models', fashion.FASHION,
     dict(arch='gru', image_size=10, levels=7, colours=1, epochs=12, num_images=6000)),
    ('cifar_mmi_models', cifar.CIFAR, dict(arch='gru', image_size=10, levels=7, colours=3,
                                           fine_tuning_weight=1.0, fine_tuning_epochs=2)),
])
def test_the_shipped_sets_load_and_are_what_the_readme_says(folder, settings, expected):
    models = sets.load_models(shipped(folder), settings.class_names,
                              settings)
    for model in models:
        assert {key: getattr(model.info, key) for key in expected} == expected


def test_the_shipped_pixelcnn_set_reads_digits_it_never_saw():
    # Its training skipped the first 500 images of each digit: the bundled ones.
    bundled = mnist.load('bundled')
    chosen = np.arange(0, len(bundled.y_test), 25)
    models = sets.load_models(shipped('mnist_pixelcnn_models'),
                              mnist.MNIST.class_names, mnist.MNIST)
    assert {model.info.skip for model in models} == {500}
    predictions = BayesClassifier(models).predict(bundled.x_test[chosen])
    accuracy = np.mean(predictions == bundled.y_test[chosen])
    assert accuracy > 0.95, f'accuracy {accuracy:.3f} on 200 bundled images'


# ---------------------------------------------------------------- hostile files
# Each takes a model file this project wrote (a GRU whose logits layer has a
# bias of 7 values) and makes it hostile in one way, in place.

def replace_logits_bias(path, write, name='bias'):
    """Delete the logits' bias (or kernel) and let write(group, name, values)
    put something in its place."""
    with h5py.File(path, 'a') as f:
        group = f['model_weights/logits/logits']
        values = group[name][()]
        del group[name]
        write(group, name, values)


def with_weight(value):
    def change(path):
        replace_logits_bias(path, lambda group, name, values: group.create_dataset(
            name, data=np.where(np.arange(len(values)) == 3, value, values).astype(np.float32)))
    return change


def transposed(path):
    """The logits' kernel stored transposed: as many values, of another shape."""
    replace_logits_bias(path, lambda group, name, values: group.create_dataset(
        name, data=values.T), name='kernel')


def weights_as(dtype):
    def change(path):
        replace_logits_bias(path, lambda group, name, values: group.create_dataset(
            name, data=values.astype(dtype)))
    return change


def stored_in(other_file):
    """The bias's values declared to lie in other_file (HDF5 external storage)."""
    def change(path):
        replace_logits_bias(path, lambda group, name, values: group.create_dataset(
            name, shape=values.shape, dtype=np.float32,
            external=[(str(other_file(path)), 0, h5py.h5f.UNLIMITED)]))
    return change


def a_fifo(path):
    fifo = os.path.join(os.path.dirname(os.path.dirname(path)), 'fifo')
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    return fifo


def mapped_from_another_file(path):
    """The bias a virtual data set of values in another HDF5 file."""
    source = os.path.join(os.path.dirname(os.path.dirname(path)), 'source.h5')

    def write(group, name, values):
        with h5py.File(source, 'w') as other:
            other['bias'] = values
        layout = h5py.VirtualLayout(values.shape, np.float32)
        layout[:] = h5py.VirtualSource(source, 'bias', values.shape)
        group.create_virtual_dataset(name, layout)
    replace_logits_bias(path, write)


def linked_to_a_fifo(path):
    """The logits layer's group an external link into a FIFO."""
    fifo = a_fifo(path)
    with h5py.File(path, 'a') as f:
        del f['model_weights/logits']
        f['model_weights/logits'] = h5py.ExternalLink(fifo, '/logits')


def soft_linked(path):
    """The logits layer's group moved elsewhere in the file, a soft link in its place."""
    with h5py.File(path, 'a') as f:
        f.move('model_weights/logits', 'elsewhere')
        f['model_weights/logits'] = h5py.SoftLink('/elsewhere')


def gzipped(path):
    replace_logits_bias(path, lambda group, name, values: group.create_dataset(
        name, data=values, compression='gzip'))


def partly_written(path):
    """A chunked kernel (4 x 7) of which the chunks stored hold more bytes than
    the kernel needs, but two of its six chunks are missing."""
    def write(group, name, values):
        dataset = group.create_dataset(name, shape=values.shape, dtype=np.float32,
                                       chunks=(3, 3))
        dataset[:, :6] = values[:, :6]
    replace_logits_bias(path, write, 'kernel')


def sharing_one_array(path):
    """Two weights of the same shape made one stored array (a second hard link)."""
    with h5py.File(path, 'a') as f:
        weights = f['model_weights']
        by_shape = {}
        weights.visititems(lambda name, item: by_shape.setdefault(item.shape, []).append(name)
                           if isinstance(item, h5py.Dataset) else None)
        first, second = next(names for names in by_shape.values() if len(names) > 1)[:2]
        del weights[second]
        weights[second] = weights[first]


def attribute(name, value):
    def change(path):
        rewrite_attribute(path, name, value)
    return change


NESTED = '[' * 100_000 + ']' * 100_000


def keras2_config(model_config):
    """A tutorial-style Keras 2 file in place of path, with model_config as given."""
    def change(path):
        write_keras2_gru_file(path)
        rewrite_attribute(path, 'model_config', model_config)
    return change


NO_GRU = json.dumps({'class_name': 'Sequential', 'config': {'name': 's', 'layers': [
    {'class_name': 'Dense', 'config': {'name': 'dense_1', 'units': 7}}]}})


@pytest.mark.parametrize('fields, words', [
    (dict(colours=1.0), 'colours 1.0'),
    (dict(colours=True), 'colours True'),
    (dict(image_size=10.0), 'image_size 10.0'),
    (dict(image_size=np.True_.item()), 'image_size True'),
    (dict(levels=7.5), 'levels 7.5'),
    (dict(levels='7'), "levels '7'"),
    (dict(class_name=3), 'class_name 3'),
    (dict(prior=-0.1), 'prior -0.1'),
    (dict(prior=0), 'prior 0'),
    (dict(prior=1.0000001), 'prior 1.0000001'),
    (dict(prior=float('inf')), 'prior inf'),
    (dict(prior=float('nan')), 'prior nan'),
    (dict(prior=1e300), 'prior 1e+300'),
    (dict(prior='0.1'), "prior '0.1'"),
    (dict(prior=True), 'prior True'),
    (dict(loss=float('nan')), 'loss nan'),
    (dict(loss='low'), "loss 'low'"),
    (dict(num_images=0), 'num_images 0'),
    (dict(skip=-1), 'skip -1'),
    (dict(epochs=2.5), 'epochs 2.5'),
    (dict(batch_size=0), 'batch_size 0'),
    (dict(seed=2**32), 'seed 4294967296'),
    (dict(data_source=5), 'data_source 5'),
    (dict(keras_version=3.1), 'keras_version 3.1'),
    (dict(shifts=4.0), 'shifts 4.0'),
    (dict(units=8.0), 'gru units 8.0'),
    (dict(units=4097), 'gru units 4097 is not a whole number within 1-4096'),
    (dict(reset_after=1), 'gru reset_after 1 is not true or false'),
    (dict(recurrent_activation=['sigmoid']), "gru recurrent_activation ['sigmoid'] is not one of"),
    (dict(arch='pixelcnn', filters=True), 'pixelcnn filters True'),
    (dict(arch='pixelcnn', depth=-1), 'pixelcnn depth -1 is not a whole number within 0-64'),
    (dict(arch='pixelcnn', head=['softmax']), "pixelcnn head ['softmax'] is not one of"),
    (dict(arch='pixelcnn', head='sigmoid'), 'the sigmoid head models 2 levels'),
])
def test_every_recorded_field_is_checked_for_type_and_range(fields, words):
    assert words in model_info(**fields).problem()


def test_params_and_architecture_of_the_wrong_type_are_refused():
    info = model_info()
    assert "not ['units']" in dataclasses.replace(info, params=['units']).problem()
    assert "arch ['gru']" in dataclasses.replace(info, arch=['gru']).problem()
    assert "dataset ['mnist']" in dataclasses.replace(info, dataset=['mnist']).problem()
    assert model_info(prior=1.0, loss=0.0, num_images=1, skip=0, epochs=1, batch_size=1,
                      seed=2**32 - 1).problem() is None


def test_a_large_network_is_announced_before_it_is_built(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / 'model_0.h5')
    saving.save(gru_model(units=8), path)
    loading.load(path)
    assert capsys.readouterr().out == '', 'nothing extra for ordinary sizes'
    monkeypatch.setattr(loading, 'LARGE_MODEL', 471)
    loading.load(path)
    line, = capsys.readouterr().out.splitlines()
    assert line.startswith(f'{path}: building a large network, 471 weights: mnist 0: 10x10')
    assert 'units 8' in line


def test_a_fifo_is_no_model_file_and_is_never_opened(tmp_path):
    path = tmp_path / 'model_0.h5'
    os.mkfifo(path)
    with pytest.raises(UsageError, match='is not a regular file'):
        loading.load(str(path))
    assert loading.read_info(str(path)) is None


@pytest.mark.parametrize('change, words', [
    (with_weight(np.nan), 'not finite'),
    (weights_as(np.float64), 'float64'),
    (stored_in(lambda path: '/etc/passwd'), 'stored in other files'),
    (mapped_from_another_file, 'stored in other files'),
    (soft_linked, 'a link'),
    (gzipped, 'compressed'),
    (partly_written, 'unwritten'),
])
def test_weights_are_read_only_from_the_files_own_storage_and_only_if_finite(
        tmp_path, change, words):
    path = str(tmp_path / 'models' / 'model_0.h5')
    saving.save(gru_model(units=4), path)
    change(path)
    with pytest.raises(UsageError, match=words):
        loading.load(path)
    assert loading.read_info(path) is not None, 'its record is still read (for training)'


def test_one_array_stored_for_several_weights_is_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    saving.save(architectures.create(model_info(arch='pixelcnn', filters=8, depth=2)), path)
    sharing_one_array(path)
    with pytest.raises(UsageError, match='stores one array for several weights'):
        loading.load(path)


def test_compact_storage_is_the_files_own(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    model = gru_model(units=4)
    saving.save(model, path)
    replace_logits_bias(path, lambda group, name, values: group.create_dataset(
        name, data=values, dtype=np.float32,
        dcpl=compact_layout()))
    np.testing.assert_array_equal(loading.load(path).network.get_layer('logits').get_weights()[1],
                                  model.network.get_layer('logits').get_weights()[1])


def compact_layout():
    properties = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    properties.set_layout(h5py.h5d.COMPACT)
    return properties


@pytest.mark.parametrize('arch, params', [('gru', {'units': 8}),
                                          ('pixelcnn', {'filters': 4, 'depth': 1})])
def test_keras_itself_opens_a_file_the_project_trained_and_computes_the_same(
        tmp_path, arch, params):
    import keras
    from pixel_rnn.architectures import layers  # noqa: F401 (registers the project's layers)
    model = architectures.create(model_info(levels=4, arch=arch, image_size=6, **params))
    images = np.random.default_rng(0).integers(0, 4, (16, 6, 6))
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / 'model_0.h5')
    saving.save(model, path)
    network = keras.models.load_model(path, compile=False)
    inputs = (gru.to_sequences(images, 4) if arch == 'gru' else
              images[..., None].astype('float32'))
    np.testing.assert_array_equal(network.predict_on_batch(inputs),
                                  loading.load(path).network.predict_on_batch(inputs))


def write_small_pixelcnn(path):
    saving.save(architectures.create(model_info(levels=4, arch='pixelcnn', image_size=6,
                                                filters=4, depth=2)), path)


def test_a_file_whose_layers_are_listed_in_another_order_is_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    write_small_pixelcnn(path)
    with h5py.File(path, 'r+') as f:  # two blocks' layers of the same shapes, swapped
        names = [name.encode() for name in f['model_weights'].attrs['layer_names']]
        first, second = names.index(b'block0_narrow'), names.index(b'block1_narrow')
        names[first], names[second] = names[second], names[first]
        f['model_weights'].attrs['layer_names'] = names
    with pytest.raises(UsageError, match="not those of the model it declares .weight "
                                         "'block1_narrow/block1_narrow/kernel' where"):
        loading.load(path)


def test_a_file_whose_layer_is_renamed_is_refused(tmp_path):
    path = str(tmp_path / 'model_0.h5')
    write_small_pixelcnn(path)
    with h5py.File(path, 'r+') as f:
        group = f['model_weights']
        group.move('out0', 'other')
        group.attrs['layer_names'] = [b'other' if name == 'out0' else name.encode()
                                      for name in group.attrs['layer_names']]
    with pytest.raises(UsageError, match="weight 'other/out0/kernel' where that model has "
                                         "'out0/out0/kernel'"):
        loading.load(path)


def test_the_training_fields_a_set_shares_are_in_modelinfo_s_order():
    assert set(sets.TRAINING_FIELDS) == {'epochs', 'batch_size', 'skip', 'data_source', 'deskew',
                                         'mirror', 'shifts', 'fine_tuning_weight',
                                         'fine_tuning_epochs'}
    assert list(sets.TRAINING_FIELDS) == [field.name for field in dataclasses.fields(ModelInfo)
                                          if field.name in sets.TRAINING_FIELDS]


# What the summary's head says (read_set refuses a set that differs there), and
# what models trained alike differ in all the same.
HEAD = ('dataset', 'class_name', 'image_size', 'levels', 'colours', 'arch', 'params')
DIFFER = ('prior', 'num_images', 'seed')


def test_every_field_is_constrained_and_compared_measured_or_known_to_differ():
    # A field added to ModelInfo fails here until it is placed: the note on
    # a set compares it unless training measures it or models differ in it.
    names = [field.name for field in dataclasses.fields(ModelInfo)]
    places = HEAD + sets.TRAINING_FIELDS + MEASURED + DIFFER
    assert sorted(places) == sorted(names)
    assert list(CONSTRAINTS) == [name for name in names if name != 'params']
    # Every field a training flag sets is compared, or known to differ.
    assert {field for field in flags.MODEL_FLAGS.values()} - set(sets.TRAINING_FIELDS) == {
        'image_size', 'levels', 'num_images', 'seed'}


def test_a_model_trained_otherwise_in_any_training_field_is_noted():
    base = model_info(epochs=12, data_source='mnist.npz')
    for field in sets.TRAINING_FIELDS:
        infos = [dataclasses.replace(base, class_name=name) for name in '012']
        infos[1] = dataclasses.replace(infos[1], **{field: 'changed'})
        models = [types.SimpleNamespace(info=info) for info in infos]
        assert sets.differently_trained(models) == (
            f'1 ({field} changed, not {getattr(base, field)})')
    assert sets.differently_trained([types.SimpleNamespace(info=base)] * 3) is None
