"""Colour images as sub-pixel sequences: raster order, R then G then B."""
import numpy as np

from pixel_rnn.datasets import checks
from pixel_rnn.training import one_class
from pixel_rnn.architectures import gru

from pixel_rnn.modelfile import saving
from pixel_rnn.modelfile import loading
from bench.tutorial_baseline import sample_by_prefix
from conftest import gru_model, model_info
from pixel_rnn import images as imaging
from pixel_rnn import pictures
from pixel_rnn.training.classes import train_classes
import config

LEVELS = 7


def colour_model(units=16, image_size=3):
    return gru_model(LEVELS, units, colours=3, image_size=image_size, class_name='cat')


def random_levels(m, size, seed):
    return np.random.default_rng(seed).integers(0, LEVELS, (m, size, size, 3))


def test_sequences_read_pixels_in_raster_order_and_rgb_within_a_pixel():
    levels = random_levels(2, 3, 0)
    xs = gru.to_sequences(levels, LEVELS, colours=3)
    assert xs.shape == (2, 3 * 3 * 3 + 1, LEVELS + 3)
    assert not xs[:, 0, :LEVELS].any()
    np.testing.assert_array_equal(xs[:, 1:, :LEVELS].argmax(-1).reshape(2, 3, 3, 3), levels)
    # Step t predicts sub-pixel t, whose channel is t % 3.
    np.testing.assert_array_equal(xs[0, :, LEVELS:].argmax(-1), np.arange(28) % 3)


def test_no_output_depends_on_the_sub_pixel_it_predicts_or_later_ones():
    model = colour_model().network
    levels = random_levels(1, 3, 1)
    base = model.predict(gru.to_sequences(levels, LEVELS, 3), verbose=0)
    subpixels = levels.reshape(-1)
    for target in range(len(subpixels)):
        changed = subpixels.copy()
        changed[target] = (changed[target] + 3) % LEVELS
        outputs = model.predict(gru.to_sequences(changed.reshape(levels.shape), LEVELS, 3),
                                verbose=0)
        # Outputs 0..target predict sub-pixels 0..target: blind to the change.
        np.testing.assert_array_equal(outputs[0, :target + 1], base[0, :target + 1])
        # The next one sees it (G sees R of its own pixel, B sees R and G).
        assert not np.allclose(outputs[0, target + 1], base[0, target + 1])


def test_colour_log_likelihood_is_the_product_over_all_sub_pixels():
    model = colour_model(image_size=4)
    levels = random_levels(5, 4, 2)
    levels[1] = levels[0]
    probabilities = model.network.predict(gru.to_sequences(levels, LEVELS, 3), verbose=0)
    subpixels = levels.reshape(5, -1)
    picked = np.take_along_axis(probabilities[:, :-1], subpixels[..., None], axis=-1)
    np.testing.assert_allclose(model.log_likelihood(levels),
                               np.log(picked).sum(axis=(1, 2)), rtol=1e-5)


def test_colour_samples_have_shape_range_and_follow_the_prefix_method():
    model = colour_model(image_size=3)  # the prefix method's predict: some 50 ms a sub-pixel
    images = model.sample(num_images=3, seed=0)
    assert images.shape == (3, 3, 3, 3) and images.dtype == np.uint8
    assert images.max() < LEVELS
    uniforms = np.random.default_rng(5).random((2, 3 * 3 * 3))
    np.testing.assert_array_equal(model.draw(uniforms), sample_by_prefix(model, uniforms))
    picture = pictures.levels_to_image(images[0], 16, config.factor)
    assert picture.shape == (16, 16, 3) and picture.dtype == np.uint8


def test_colour_model_trains_and_round_trips(tmp_path):
    images = np.random.default_rng(3).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    xs = gru.to_sequences(imaging.quantize(images, 4), LEVELS, 3)
    assert xs.shape == (8, 4 * 4 * 3 + 1, LEVELS + 3)
    model = colour_model(image_size=4)
    model.fit(imaging.quantize(images, 4), batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / 'model_cat.h5')
    saving.save(model, path)
    loaded = loading.load(path)
    assert loaded.info.same_training(model.info) and loaded.info.keras_version.startswith("3.")
    np.testing.assert_array_equal(loaded.network.predict_on_batch(xs),
                                  model.network.predict_on_batch(xs))


def test_mirror_training_adds_each_images_mirror_image(tmp_path, monkeypatch):
    images = np.random.default_rng(6).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    labels = np.array([0, 1, 0, 1, 0, 1])
    dataset = checks.Dataset(images, labels, images, labels, ['plane', 'car'], 'test')
    trained = []
    monkeypatch.setattr(one_class, 'train_class',
                        lambda levels, info, *rest: trained.append((levels, info)))
    train_classes(dataset, model_info(colours=3, mirror=True, skip=0, epochs=2), [0],
                  str(tmp_path), num_images=10, jobs=1)
    (levels, info), = trained
    plain = imaging.to_levels(images[labels == 0], info)
    np.testing.assert_array_equal(levels, np.concatenate([plain, plain[:, :, ::-1]]))
    assert info.num_images == 3 and info.mirror
    assert '2 epochs on 3 images of test and their mirror images' in info.summary()
    assert 'mirror' in model_info(colours=3, mirror='yes').problem()
