"""The tutorial's own code, transcribed: its util functions called as its
scripts call them (train_mnist.py's train, generate_mnist.py's generate,
classification.py), small, against this project's util.py and scripts."""
import os

import numpy as np
import pytest
from PIL import Image

import classification
import config
import generate
import train_mnist
import util
from conftest import shared_file, shipped
from pixel_rnn.datasets import mnist
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import saving, tutorial


@pytest.fixture(scope='module')
def bundled():
    return mnist.load('bundled')


def test_create_model_is_the_tutorials_network():
    model = util.create_model(config.num_classes)
    assert config.num_classes == config.levels == 7
    assert [type(layer).__name__ for layer in model.layers] == [
        'InputLayer', 'GRU', 'Dense', 'Softmax']
    assert model.get_layer('gru').units == 256
    assert model.output_shape == (None, None, 7) and model.optimizer is not None
    probabilities = np.asarray(model.predict(np.zeros((2, 5, 7)), verbose=0))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1, rtol=1e-5)


def test_the_tutorials_train_generate_and_classify_through_util(tmp_path, bundled):
    # train_mnist.py's train(), its model smaller: the tutorial's calls, in order.
    x_train = bundled.x_train[bundled.y_train == 0][:16]
    x_train = util.shrink_all(x_train, config.target_size)
    assert x_train.shape == (16, 10, 10) and x_train.dtype == np.uint8
    xs = util.pre_process(bundled.x_train[bundled.y_train == 0][:16])
    assert xs.shape == (16, config.target_size ** 2 + 1, config.num_classes)
    np.testing.assert_array_equal(xs[:, 0], 0)  # the start vector
    levels = np.round(x_train / config.factor).astype(np.uint8)
    np.testing.assert_array_equal(np.argmax(xs[:, 1:], axis=2), levels.reshape(16, -1))
    model = util.train_model(xs, config.num_classes, batch_size=8, epochs=1)
    path = str(tmp_path / 'model_0.h5')
    model.save(path)

    # generate_mnist.py's generate(): pixels drawn one by one, scaled and shrunk.
    model = util.load_model(path)
    assert (model.info.class_name, model.info.epochs, model.info.num_images) == ('0', 1, 16)
    pixels = util.sample(model, config.target_size, config.num_classes)
    assert pixels.shape == (config.target_size ** 2, 1) and pixels.dtype == np.uint8
    assert pixels.max() < config.num_classes
    a = np.array(pixels * config.factor, dtype=np.uint8)
    a = a.reshape((config.target_size, config.target_size, 1))
    assert util.shrink(a, size=32).shape == (32, 32, 1)

    # classification.py: the shipped models, by folder.
    predictions = util.classify(models_dir=shipped('mnist_models'),
                                images=bundled.x_test[:200])
    assert predictions.shape == (200,)
    assert np.mean(predictions == bundled.y_test[:200]) > 0.9


def test_the_scripts_functions_take_the_tutorials_parameters(tmp_path, bundled):
    models_dir = str(tmp_path / 'models')
    train_mnist.train(digit=3, num_images=8, epochs=1, data='bundled', models_dir=models_dir,
                      units=8, batch_size=8)
    info = util.load_model(os.path.join(models_dir, 'model_3.h5')).info
    assert (info.class_name, info.num_images, info.epochs) == ('3', 8, 1)
    out = generate.generate(digit=3, output_size=8, grid_size=2, models_dir=models_dir,
                            out=str(tmp_path / 'threes.png'), seed=0)
    with Image.open(out) as grid:
        assert grid.size == (2 * 8 + config.grid_line, 2 * 8 + config.grid_line)
    accuracy = classification.estimate_accuracy(100, data='bundled')
    assert 0.9 < accuracy <= 1


def test_the_tutorials_own_file_samples_and_classifies_through_util(bundled):
    model = util.load_model(shared_file('fixtures', 'keras2-gru-digit0.h5'))
    pixels = util.sample(model, config.target_size, config.num_classes)
    assert pixels.shape == (100, 1) and pixels.max() < config.num_classes
    xs = util.pre_process(bundled.x_test[bundled.y_test == 0][:20])
    assert model.log_likelihood(np.argmax(xs[:, 1:], axis=2).reshape(-1, 10, 10)).mean() > -60


@pytest.mark.parametrize('call, words', [
    (lambda: util.train_model(np.zeros((2, 52, 7)), 7, epochs=1), 'not what pre_process makes'),
    (lambda: util.sample(util.load_model(os.path.join(shipped('mnist_models'),
                                                      'model_0.h5')), 28, 7), 'not 28x28'),
])
def test_the_tutorials_functions_refuse_what_does_not_fit_in_words(call, words):
    with pytest.raises(UsageError, match=words):
        call()


def test_the_tutorials_functions_read_intensities_of_any_type_alike(bundled):
    # np.array(list) and an MNIST CSV give int64; read as their type's range,
    # 0-255 would be all black (accuracy 0.965 became 0.100).
    images = bundled.x_test[:40]
    xs = util.pre_process(images)
    decisions = util.classify(shipped('mnist_models'), images)
    for given in (images.astype(np.int64), images.astype(np.int32), images.astype(np.uint16),
                  images / 255, images.astype(np.float32)):
        np.testing.assert_array_equal(util.pre_process(given), xs)
        np.testing.assert_array_equal(
            util.classify(shipped('mnist_models'), given), decisions)
    for given, words in ((images.astype(np.int64) + 1, 'int64 values 1 to 256'),
                         (np.where(images > 0, np.nan, 0.0), 'values including nan'),
                         (images[0], r'shape \(28, 28\) are not pictures')):
        with pytest.raises(UsageError, match=words):
            util.pre_process(given)


def test_sample_takes_the_tutorials_plain_keras_networks_and_models_answer_predict(tmp_path):
    import keras
    path = os.path.join(shipped('mnist_models'), 'model_1.h5')
    model = util.load_model(path)
    network = keras.models.load_model(path, compile=False)  # what generate_mnist.py does
    sequences = util.pre_process(np.zeros((2, 28, 28), np.uint8))
    np.testing.assert_array_equal(model.predict(sequences, verbose=0),
                                  network.predict(sequences, verbose=0))
    for given in (network, util.create_model(config.num_classes)):
        pixels = util.sample(given, config.target_size, config.num_classes)
        assert pixels.shape == (100, 1) and pixels.max() < config.num_classes
    with pytest.raises(UsageError, match="not the tutorial's"):
        util.sample(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), 10, 7)


def test_a_network_keras_reads_computes_what_its_model_does_keras_2s_hard_sigmoid_kept(
        tmp_path):
    import keras
    import pixel_rnn.architectures.layers  # noqa: F401 (registers keras2_hard_sigmoid)
    keras2 = util.load_model(shared_file('fixtures', 'keras2-gru-digit0.h5'))
    saving.save(keras2, str(tmp_path / 'model_0.h5'))
    adopted = tutorial.adopted(keras.models.load_model(str(tmp_path / 'model_0.h5'),
                                                      compile=False), 10)
    assert adopted.info.params == keras2.info.params
    levels = np.random.default_rng(0).integers(0, 7, (4, 10, 10))
    np.testing.assert_allclose(adopted.log_likelihood(levels), keras2.log_likelihood(levels),
                               rtol=1e-6)


def test_a_keras_3_file_of_the_tutorials_network_loads(tmp_path):
    network = util.create_model(config.num_classes)
    network.save(str(tmp_path / 'model_4.h5'))  # as the tutorial's code saves its model
    model = util.load_model(str(tmp_path / 'model_4.h5'))
    assert (model.info.class_name, model.info.image_size, model.info.levels) == ('4', 10, 7)
    sequences = util.pre_process(np.random.default_rng(0).integers(0, 256, (3, 28, 28)))
    np.testing.assert_array_equal(model.predict(sequences, verbose=0),
                                  network.predict(sequences, verbose=0))


def test_a_keras_archive_of_the_tutorials_network_loads_and_an_absurd_one_is_refused(tmp_path):
    import json
    import zipfile
    network = util.create_model(config.num_classes)
    path = str(tmp_path / 'model_5.keras')
    network.save(path)
    model = util.load_model(path)
    assert (model.info.class_name, model.info.levels, model.info.params['units']) == ('5', 7, 256)
    sequences = util.pre_process(np.random.default_rng(1).integers(0, 256, (2, 28, 28)))
    np.testing.assert_array_equal(model.predict(sequences, verbose=0),
                                  network.predict(sequences, verbose=0))
    # Its config asks for a GRU of 10^8 units: refused before Keras builds a thing.
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config_text = json.loads(members['config.json'])
    gru_layer, = [layer for layer in config_text['config']['layers']
                  if layer['class_name'] == 'GRU']
    gru_layer['config']['units'] = 10 ** 8
    members['config.json'] = json.dumps(config_text).encode()
    with zipfile.ZipFile(path, 'w') as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(UsageError, match='gru units 100000000 is not a whole number'):
        util.load_model(path)
    (tmp_path / 'model_6.keras').write_bytes(b'not a zip')
    with pytest.raises(UsageError, match='is not a readable Keras archive'):
        util.load_model(str(tmp_path / 'model_6.keras'))
