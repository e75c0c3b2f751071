"""PixelCNN: masks, causality, likelihood, sampling, files, and the scripts with it."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from pixel_rnn.datasets import mnist
from pixel_rnn import architectures
from pixel_rnn.architectures import pixelcnn
from pixel_rnn.modelfile import saving
from pixel_rnn.modelfile import loading
import config
from conftest import last_line, model_info, run_in_process
from bench.tutorial_baseline import sample_by_passes
from pixel_rnn.architectures.layers import causal_mask
from pixel_rnn.classifier import BayesClassifier

LEVELS = 7


def small_pixelcnn(colours=1, head='softmax', levels=LEVELS, seed=0, depth=2, image_size=5,
                   **fields):
    tf.keras.utils.set_random_seed(seed)
    return pixelcnn.PixelCNN(model_info(levels, 'pixelcnn', image_size, colours, filters=12,
                                        depth=depth, head=head, **fields))


def random_levels(m, size, colours, seed, levels=LEVELS):
    return np.random.default_rng(seed).integers(0, levels, (m, size, size, colours))


def test_mask_a_hides_the_centre_and_mask_b_lets_it_through_by_colour():
    a = causal_mask((3, 3, 3, 6), 'A', colours=3)
    b = causal_mask((3, 3, 3, 6), 'B', colours=3)
    assert a[0].all() and a[1, 0].all() and not a[1, 2].any() and not a[2].any()
    # Outputs in blocks of two per colour: R sees no current input, G sees R, B sees R and G.
    np.testing.assert_array_equal(a[1, 1], [[0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1], [0] * 6])
    np.testing.assert_array_equal(b[1, 1], [[1] * 6, [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]])
    assert not causal_mask((7, 7, 1, 4), 'A')[3, 3].any()
    assert causal_mask((7, 7, 1, 4), 'B')[3, 3].all()


def logits_layer_model(model):
    """The PixelCNN's network up to its logits layer: float images (m, h, w, colours) in."""
    return keras.Model(model.network.inputs, model.network.get_layer('logits').output)


@pytest.mark.parametrize('colours', [1, 3])
def test_outputs_depend_only_on_earlier_sub_pixels(colours):
    model = small_pixelcnn(colours)
    size, num_images = 5, 4
    images = tf.Variable(random_levels(num_images, size, colours, 1).astype('float32'))
    with tf.GradientTape() as tape:
        logits = logits_layer_model(model)(images)
        # One number per sub-pixel: the sum of its level logits.
        per_subpixel = tf.reduce_sum(
            tf.reshape(logits, (num_images, size, size, colours, LEVELS)), axis=-1)
        outputs = tf.reshape(per_subpixel, (num_images, -1))
    n = size * size * colours
    jacobian = tape.jacobian(outputs, images).numpy().reshape(num_images, n, num_images, n)
    # How much each output of an image moves with each input of the same image.
    dependence = sum(np.abs(jacobian[i, :, i, :]) for i in range(num_images))
    at_or_after = np.triu(np.ones((n, n), dtype=bool))
    assert not dependence[at_or_after].any()
    # Every sub-pixel but the first sees some earlier ones (summed over a few
    # images, since a PReLU starts as a ReLU and can be flat at one image).
    assert (dependence[1:].sum(axis=1) > 0).all()


@pytest.mark.parametrize('colours, head, levels', [(1, 'softmax', LEVELS), (3, 'softmax', LEVELS),
                                                   (1, 'sigmoid', 2)])
def test_log_likelihood_sums_the_logs_of_the_predicted_probabilities(colours, head, levels):
    model = small_pixelcnn(colours, head, levels, image_size=6)
    images = random_levels(4, 6, colours, 2, levels)
    probabilities = model.network.predict(images.astype('float32'), verbose=0)
    if head == 'sigmoid':
        own = np.where(images == 1, probabilities, 1 - probabilities)
    else:
        own = np.take_along_axis(probabilities, images[..., None], axis=-1)
    np.testing.assert_allclose(model.log_likelihood(images),
                               np.log(own).reshape(4, -1).sum(axis=1), rtol=1e-4)


@pytest.mark.parametrize('colours, size, head, levels, depth', [
    (1, 4, 'softmax', LEVELS, 2), (3, 4, 'softmax', LEVELS, 2), (1, 9, 'softmax', LEVELS, 2),
    (1, 6, 'sigmoid', 2, 2), (1, 5, 'softmax', LEVELS, 0), (3, 4, 'softmax', LEVELS, 3)])
def test_sampling_draws_what_the_full_model_draws(colours, size, head, levels, depth):
    model = small_pixelcnn(colours, head, levels, depth=depth, image_size=size)
    uniforms = np.random.default_rng(3).random((4, size * size * colours))
    np.testing.assert_array_equal(model.draw(uniforms), sample_by_passes(model, uniforms))


@pytest.mark.parametrize('colours, head, levels, depth', [
    (1, 'softmax', LEVELS, 0), (1, 'softmax', LEVELS, 2), (3, 'softmax', LEVELS, 2),
    (1, 'sigmoid', 2, 1)])
def test_the_cached_network_computes_the_keras_models_logits_at_every_position(
        colours, head, levels, depth):
    model = small_pixelcnn(colours, head, levels, seed=4, depth=depth)
    # Trained weights are not the initial ones: PReLU slopes of 0 would hide a mix-up.
    for layer in model.network.layers:
        if layer.weights:
            layer.set_weights([np.random.default_rng(5).normal(0, 0.3, w.shape).astype('float32')
                               for w in layer.get_weights()])
    size = 5
    images = random_levels(3, size, colours, 6, levels)
    expected = logits_layer_model(model).predict_on_batch(images.astype('float32'))
    network = pixelcnn.PositionwiseNetwork(model.network, images.astype('float32'))
    network.fill(size * size)
    for row in range(size):
        for column in range(size):
            np.testing.assert_allclose(network.at(row, column),
                                       expected[:, row, column], rtol=1e-4, atol=1e-4)


def test_sampling_follows_a_rigged_model():
    model = small_pixelcnn()
    logits = model.network.get_layer('logits')
    bias = np.full(LEVELS, -1e4, dtype='float32')
    bias[5] = 0
    logits.set_weights([np.zeros_like(logits.get_weights()[0]), bias])
    images = model.sample(num_images=3, seed=0)
    assert images.shape == (3, 5, 5)
    assert (images == 5).all()


def pixelcnn_info(colours=1, image_size=5, **fields):
    return model_info(LEVELS, 'pixelcnn', image_size, colours, filters=12, depth=2, **fields)


def test_saved_model_loads_back_with_identical_outputs(tmp_path):
    model = small_pixelcnn(3, class_name='cat', prior=0.1)
    path = str(tmp_path / 'model_cat.h5')
    saving.save(model, path)
    loaded = loading.load(path)
    images = random_levels(3, 5, 3, 4).astype('float32')
    np.testing.assert_array_equal(loaded.network.predict(images, verbose=0),
                                  model.network.predict(images, verbose=0))
    assert loaded.info.arch == 'pixelcnn' and loaded.info.colours == 3
    assert loaded.info.prior == 0.1


@pytest.mark.parametrize('fields', [
    dict(arch='gru', units=5), dict(arch='gru', units=6, colours=3),
    dict(arch='gru', units=3, reset_after=False),
    dict(arch='pixelcnn', filters=12, depth=2),
    dict(arch='pixelcnn', filters=9, depth=1, colours=3),
    dict(arch='pixelcnn', filters=8, depth=0, head='sigmoid', levels=2),
])
def test_weight_shapes_are_known_before_a_model_is_built(fields):
    info = model_info(**fields)
    assert info.problem() is None
    model = architectures.create(info)
    assert [tuple(weight.shape) for weight in model.network.weights] == \
        type(model).weight_shapes(info)
    assert model.network.count_params() == type(model).num_weights(info)


def test_training_lowers_the_loss():
    images = random_levels(64, 6, 1, 5) * (np.arange(6) % 2)[None, :, None, None]
    model = architectures.create(pixelcnn_info(image_size=6))
    losses = model.fit(images, batch_size=32, epochs=3, verbose=0).history['loss']
    assert losses[-1] < losses[0]


@pytest.mark.slow
def test_scripts_train_and_sample_pixelcnn_models_and_classification_uses_them(tmp_path):
    models_dir = tmp_path / 'models'
    for digit in (0, 1):
        # The configuration of trained/mnist_pixelcnn_models, far smaller.
        result = run_in_process('train_mnist.py', f'--digit={digit}', '--arch=pixelcnn',
                                '--target_size=14', '--max_intensity=3', '--shifts=8',
                                '--filters=16', '--depth=2', '--num_images=170', '--epochs=2',
                                '--seed=0', '--data=bundled', f'--models_dir={models_dir}')
        assert result.returncode == 0, result.stderr
    result = run_in_process('generate.py', '--digit=1', '--grid_size=2',
                            f'--models_dir={models_dir}', f'--out={tmp_path}/grid.png', '--seed=1')
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / 'grid.png') as grid:
        assert grid.size == (65, 65) and grid.mode == 'L'  # 2 x 2 cells of 32 and a line
    bundled = mnist.load('bundled')
    held_out = np.concatenate([np.flatnonzero(bundled.y_test == d)[300:] for d in (0, 1)])
    models = [loading.load(config.model_path(str(models_dir), d)) for d in (0, 1)]
    assert {(m.info.image_size, m.info.levels, m.info.shifts) for m in models} == {(14, 4, 8)}
    predictions = BayesClassifier(models).predict(bundled.x_test[held_out])
    accuracy = np.mean(predictions == bundled.y_test[held_out])
    assert accuracy > 0.75, f'accuracy {accuracy:.3f} on held-out zeros and ones; chance is 0.5'


def test_sigmoid_head_needs_two_levels():
    result = run_in_process('train_mnist.py', '--arch=pixelcnn', '--head=sigmoid')
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    assert '--max_intensity=1' in last_line(result.stderr)


@pytest.mark.slow
def test_sigmoid_head_trains_with_tensorboard_logs_and_samples_binarized_digits(tmp_path):
    models_dir = tmp_path / 'models'
    result = run_in_process('train_mnist.py', '--digit=1', '--arch=pixelcnn', '--head=sigmoid',
                            '--max_intensity=1', '--filters=8', '--depth=1', '--num_images=40',
                            '--epochs=1', '--data=bundled', f'--models_dir={models_dir}',
                            f'--logdir={tmp_path}/logs')
    assert result.returncode == 0, result.stderr
    assert any((tmp_path / 'logs' / '1').rglob('events.out.tfevents.*'))
    model = loading.load(str(models_dir / 'model_1.h5'))
    assert model.info.params['head'] == 'sigmoid' and model.info.levels == 2
    assert model.network.get_layer('probabilities').get_config()['activation'] == 'sigmoid'
    result = run_in_process('generate.py', '--digit=1', '--grid_size=2',
                            f'--models_dir={models_dir}', f'--out={tmp_path}/grid.png')
    assert result.returncode == 0, result.stderr
