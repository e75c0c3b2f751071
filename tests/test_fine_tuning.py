"""Fine-tuning a set of class models together (maximum mutual information)."""
import dataclasses
import itertools
import json
import os
import shutil

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

import config
from conftest import ROOT, model_info, run_in_process, snapshot, unwrapped
from pixel_rnn import files
from pixel_rnn.datasets import checks
from pixel_rnn.datasets.mnist import MNIST
from pixel_rnn import architectures
from pixel_rnn.modelfile import loading, saving, places
from pixel_rnn.training import callbacks, fine_tuning, install
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn import images as imaging
from pixel_rnn.modelfile import sets
from pixel_rnn.errors import UsageError

CLASSES = ['0', '1', '2']
ARCHS = [dict(arch='gru', units=8), dict(arch='pixelcnn', filters=8, depth=1)]


@pytest.fixture(autouse=True)
def quick_rate(monkeypatch):
    # Untrained models: a set that starts trained takes fine_tuning.RATE.
    monkeypatch.setattr(fine_tuning, 'RATE', 3e-2)


def three_classes(count=24, side=12, seed=0, class_names=CLASSES):
    """Grey images of a kind per class that a model of each could tell
    apart: ink mostly in the class's own band of rows."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    bands = np.array_split(np.arange(side), len(class_names))
    for label, rows in enumerate(bands):
        ink = rng.random((count, side, side)) < 0.15
        ink[:, rows] |= rng.random((count, len(rows), side)) < 0.8
        images.append(np.where(ink, 255, 0).astype(np.uint8))
        labels.append(np.full(count, label))
    images, labels = np.concatenate(images), np.concatenate(labels)
    return checks.Dataset(images, labels, images, labels, list(class_names), 'three')


def starting_set(models_dir, image_size=6, levels=3, class_names=CLASSES, **params):
    """An untrained model of each class, saved as a set trained class by class would be."""
    for name in class_names:
        info = model_info(levels, image_size=image_size, class_name=name,
                          prior=1 / len(class_names), epochs=1, num_images=24,
                          data_source='three', **params)
        saving.save(architectures.create(info), config.model_path(models_dir, name))


def posterior_loss_and_accuracy(models, dataset):
    bayes = BayesClassifier(models)
    scores = bayes.log_likelihoods(dataset.x_train) + bayes.log_priors_
    log_posteriors = scores - logsumexp(scores, axis=1, keepdims=True)
    own = log_posteriors[np.arange(len(scores)), dataset.y_train]
    return -own.mean(), np.mean(np.argmax(scores, axis=1) == dataset.y_train)


def fine_tune(dataset, models_dir, epochs=3, weight=0.5, **flags):
    fine_tuning.fine_tune_set(dataset, MNIST, models_dir, weight, epochs, batch_size=8,
                   num_images=24, seed=0, **flags)


@pytest.mark.parametrize('scale', [1.0, 0.1])
def test_the_objective_is_the_scaled_posterior_loss_plus_the_weighted_density_term(scale):
    log_likelihoods = np.array([[-30.0, -33.0, -29.0], [-50.0, -40.0, -41.0]], 'float32')
    labels, log_priors = np.array([0, 1]), np.log([0.5, 0.3, 0.2])
    loss, (posterior_loss, accuracy, bits_per_dim) = fine_tuning.objective(
        log_priors, weight=0.5, num_subpixels=10, scale=scale)
    scores = log_likelihoods + log_priors
    own = log_likelihoods[[0, 1], labels]

    def cross_entropy(scores):
        return logsumexp(scores, axis=1) - scores[[0, 1], labels]

    np.testing.assert_allclose(loss(labels, log_likelihoods),
                               cross_entropy(scale * scores) - 0.5 * own / 10, rtol=1e-5)
    # What an epoch's line shows is of the posterior Bayes' rule uses, whatever the scale.
    np.testing.assert_allclose(posterior_loss(labels, log_likelihoods), cross_entropy(scores),
                               rtol=1e-5)
    np.testing.assert_array_equal(accuracy(labels, log_likelihoods), [0, 1])
    np.testing.assert_allclose(bits_per_dim(labels, log_likelihoods), -own / 10 / np.log(2),
                               rtol=1e-5)


@pytest.mark.parametrize('params', ARCHS, ids=['gru', 'pixelcnn'])
def test_fine_tuning_lowers_the_posterior_loss_and_raises_training_accuracy(tmp_path, params):
    dataset, models_dir = three_classes(), str(tmp_path)
    starting_set(models_dir, **params)
    before = posterior_loss_and_accuracy(sets.load_models(models_dir, CLASSES, MNIST),
                                         dataset)
    fine_tune(dataset, models_dir, epochs=4, weight=0.1)
    models = sets.load_models(models_dir, CLASSES, MNIST)
    after = posterior_loss_and_accuracy(models, dataset)
    assert after[0] < before[0] - 0.1, (before, after)
    assert after[1] > before[1] + 0.1, (before, after)
    for model in models:
        assert (model.info.fine_tuning_weight, model.info.fine_tuning_epochs) == (0.1, 4)


@pytest.mark.parametrize('params', ARCHS, ids=['gru', 'pixelcnn'])
def test_each_fine_tuned_model_is_still_a_distribution_over_images(tmp_path, params):
    dataset, models_dir = three_classes(), str(tmp_path)
    starting_set(models_dir, image_size=2, **params)
    fine_tune(dataset, models_dir, epochs=2, weight=0.0)
    every_image = np.array(list(itertools.product(range(3), repeat=4))).reshape(-1, 2, 2)
    for model in sets.load_models(models_dir, CLASSES, MNIST):
        assert model.info.fine_tuning_weight == 0.0
        total = np.exp(logsumexp(model.log_likelihood(every_image)))
        assert total == pytest.approx(1.0, abs=1e-4)


def test_the_record_round_trips_and_a_repeat_is_skipped(tmp_path, capsys):
    dataset, models_dir = three_classes(), str(tmp_path)
    # Test images of their own, which the fine-tuned models are measured on.
    dataset = dataclasses.replace(dataset, x_test=dataset.x_test.copy())
    starting_set(models_dir, units=4, held_out_bits=9.0, held_out_bits_1=8.5,
                 held_out_bits_99=9.5)
    fine_tune(dataset, models_dir, epochs=1, weight=2.5)
    model = sets.load_models(models_dir, CLASSES, MNIST)[1]
    test_levels = imaging.to_levels(dataset.x_test[dataset.y_test == 1], model.info)
    bits = -model.log_likelihood(test_levels) / (36 * np.log(2))
    assert model.info.held_out_bits == pytest.approx(bits.mean(), rel=1e-5), (
        'measured again: the figures from before fine-tuning no longer hold')
    assert model.info.held_out_bits_1 == pytest.approx(np.percentile(bits, 1), rel=1e-5)
    info = loading.read_info(config.model_path(models_dir, '1'))
    assert (info.fine_tuning_weight, info.fine_tuning_epochs) == (2.5, 1)
    assert "fine-tuned with the other classes' models for 1 epoch, density weight 2.5" in (
        info.summary())
    assert info.problem() is None
    held = snapshot(models_dir)
    fine_tune(dataset, models_dir, epochs=1, weight=2.5)
    assert 'already holds this fine-tuning' in capsys.readouterr().out
    assert snapshot(models_dir) == held
    with pytest.raises(UsageError, match='fine-tuned already'):
        fine_tune(dataset, models_dir, epochs=2, weight=2.5)


class StopAfterFirstEpoch(callbacks.StopBetweenBatches):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def test_an_interrupted_run_leaves_the_set_as_it_was_and_resumes_at_the_next_epoch(
        tmp_path, monkeypatch, capsys):
    dataset, models_dir = three_classes(), str(tmp_path)
    starting_set(models_dir, units=4)
    originals = snapshot(models_dir)
    with monkeypatch.context() as patch:
        patch.setattr(callbacks, 'StopBetweenBatches', StopAfterFirstEpoch)
        with pytest.raises(KeyboardInterrupt):
            fine_tune(dataset, models_dir, epochs=3)
    backup = places.fine_tuning_dir(models_dir)
    assert {name: digest for name, digest in snapshot(models_dir).items()
            if not name.startswith(places.FINE_TUNING_DIR)} == originals
    with pytest.raises(UsageError, match='epochs 3 then, 4 now'):
        fine_tune(dataset, models_dir, epochs=4)
    capsys.readouterr()

    # Stopped again as the new set goes into place, after the first file of it.
    moved = []

    def stop_after_one(source, path):
        if moved:
            raise KeyboardInterrupt
        moved.append(path)
        return files.replace_keeping_old(source, path)
    with monkeypatch.context() as patch:
        patch.setattr(install.files, 'replace_keeping_old', stop_after_one)
        with pytest.raises(KeyboardInterrupt):
            fine_tune(dataset, models_dir, epochs=3)
    out = capsys.readouterr().out
    assert 'Resuming after epoch 1 of 3' in out and 'Epoch 2/3' in out and 'Epoch 1/3' not in out
    assert os.path.isdir(backup)

    fine_tune(dataset, models_dir, epochs=3)  # finishes putting the set in place
    assert not os.path.exists(backup)
    for name in CLASSES:
        path = config.model_path(models_dir, name)
        assert loading.read_info(path).fine_tuning_epochs == 3
        assert snapshot(models_dir)[os.path.basename(path) + '.~1~'] == originals[
            os.path.basename(path)]


@pytest.mark.parametrize('flags, words', [
    (['--digit=3'], 'add --all_digits'),
    (['--all_digits', '--units=8'], 'leave out --units'),
    (['--all_digits', '--shifts'], 'leave out --shifts'),
    (['--all_digits'], 'give --models_dir'),
    (['--all_digits', '--models_dir=nowhere'], 'missing model files'),
    (['--all_digits', '--models_dir=x', '--discriminative=-1'], "'-1' is not a valid weight"),
])
def test_the_fine_tuning_command_refuses_what_does_not_go_with_it(tmp_path, flags, words):
    if '--models_dir=nowhere' in flags:
        flags = flags[:-1] + [f'--models_dir={tmp_path / "nowhere"}']
    result = run_in_process('train_mnist.py', '--discriminative', *flags, timeout=60)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and 'Traceback' not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.slow
def test_a_set_fine_tuned_by_the_training_script_classifies_and_is_described(tmp_path):
    digits = MNIST.class_names
    # 8 images a class in batches of 8: no smaller last batch, whose step Keras would trace again.
    dataset = three_classes(count=8, class_names=digits)
    models_dir = str(tmp_path / 'models')
    starting_set(models_dir, image_size=4, class_names=digits, units=4)
    np.savez(tmp_path / 'ten.npz', x_train=dataset.x_train, y_train=dataset.y_train,
             x_test=dataset.x_test, y_test=dataset.y_test)
    result = run_in_process('train_mnist.py', '--all_digits', '--discriminative=0.5',
                            f'--models_dir={models_dir}', f'--data={tmp_path / "ten.npz"}',
                            '--num_images=8', '--batch_size=8', timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('posterior_loss') == config.fine_tuning_epochs, result.stdout
    models = sets.load_models(models_dir, digits, MNIST)
    assert {(model.info.fine_tuning_weight, model.info.fine_tuning_epochs)
            for model in models} == {(0.5, config.fine_tuning_epochs)}
    expected = np.mean(BayesClassifier(models).predict(dataset.x_test) == dataset.y_test)
    result = run_in_process('classification.py', f'--models_dir={models_dir}',
                            f'--data={tmp_path / "ten.npz"}', timeout=300)
    assert result.returncode == 0, result.stderr
    assert f'{expected:.4f}' in result.stdout, result.stdout
    result = run_in_process('describe.py', models_dir, timeout=300)
    assert result.returncode == 0, result.stderr
    assert unwrapped(result.stdout).count("fine-tuned with the other classes' models for "
                               f'{config.fine_tuning_epochs} epochs, density weight 0.5') == 10


# ---------------------------------------------------------- the install, read back as untrusted

DIGITS = MNIST.class_names


def pending_set(folder, weight=0.5, epochs=2):
    """A set of the ten digits trained class by class in folder, and its
    fine-tuned set written into the fine-tuning folder with its install
    record, as a run stopped just before putting it in place leaves it (no
    fitting: the new models are the old ones, recording the fine-tuning).
    Returns (models_dir, digests of the originals, digests of the new files)."""
    models_dir = str(folder)
    starting_set(models_dir, image_size=4, class_names=DIGITS, units=4)
    originals = snapshot(models_dir)
    models = sets.load_models(models_dir, DIGITS, MNIST)
    install.write_new_models(models, weight, epochs, models_dir)
    new = {name: digest for name, digest in snapshot(places.fine_tuning_dir(models_dir)).items()
           if name != places.INSTALL_RECORD}
    return models_dir, originals, new


def ten_digits_npz(folder):
    dataset = three_classes(count=8, class_names=DIGITS)
    path = folder / 'ten.npz'
    np.savez(path, x_train=dataset.x_train, y_train=dataset.y_train, x_test=dataset.x_test,
             y_test=dataset.y_test)
    return str(path)


def fine_tuning_command(models_dir, data, *extra, epochs=2):
    return ('train_mnist.py', '--all_digits', '--discriminative=0.5', f'--epochs={epochs}',
            '--num_images=8', '--batch_size=8', f'--models_dir={models_dir}', f'--data={data}',
            *extra)


class Killed(BaseException):
    """A kill: nothing after it runs, not even the handlers of KeyboardInterrupt."""


@pytest.mark.parametrize('moment, moved', [
    ('before any file', 0), ('after the first file', 1), ('after half of them', 5),
    ('with the last file linked as kept, not yet replaced', 9),
    ('after every file, before clearing the folder', 10)])
def test_a_kill_at_any_moment_of_the_install_then_the_command_from_any_folder_puts_all_in_place(
        tmp_path, monkeypatch, moment, moved):
    models_dir, originals, new = pending_set(tmp_path / 'first' / 'set')
    calls = []

    def kill_after_some(source, path):
        if len(calls) == moved and 'linked as kept' not in moment:
            raise Killed
        calls.append(path)
        if 'linked as kept' in moment and len(calls) == moved + 1:
            files.keep_old(path)
            raise Killed
        return files.replace_keeping_old(source, path)
    with monkeypatch.context() as patch:
        patch.setattr(install.files, 'replace_keeping_old', kill_after_some)
        patch.setattr(install.shutil, 'rmtree', lambda path: (_ for _ in ()).throw(Killed))
        with pytest.raises(Killed):
            install.install_set(models_dir, DIGITS)
    # Readers refuse the set as it is, naming the command that finishes it.
    result = run_in_process('classification.py', f'--models_dir={models_dir}', '--data=bundled')
    assert result.returncode == 2 and 'not yet all in place' in result.stderr, result.stderr
    assert f'train_mnist.py --all_digits --discriminative --models_dir={models_dir}' in (
        result.stderr)
    # The folder moved, the command run from another folder with a relative path.
    os.rename(tmp_path / 'first', tmp_path / 'moved')
    (tmp_path / 'elsewhere').mkdir()
    data = ten_digits_npz(tmp_path)
    result = run_in_process(os.path.join(ROOT, 'train_mnist.py'),
                            *fine_tuning_command('../moved/set', data)[1:],
                            cwd=tmp_path / 'elsewhere')
    assert result.returncode == 0, result.stderr
    assert 'Finishing the install' in result.stdout
    assert 'already holds this fine-tuning' in result.stdout, result.stdout
    held = snapshot(tmp_path / 'moved' / 'set')
    assert places.FINE_TUNING_DIR not in held
    for name in DIGITS:
        file = config.model_file.format(name)
        assert held[file] == new[file], f'{file} is not the new model'
        kept = [digest for kept, digest in held.items() if kept.startswith(file + '.~')]
        assert originals[file] in kept, f'the {file} it replaced is not kept'


def install_record_of(text):
    return lambda models_dir: open(places.install_record(models_dir), 'w').write(text)


def record_with(**fields):
    def write(models_dir):
        path = places.install_record(models_dir)
        with open(path) as f:
            record = json.load(f)
        record.update(fields)
        with open(path, 'w') as f:
            json.dump(record, f)
    return write


def replaced_by(make):
    def write(models_dir):
        os.remove(places.install_record(models_dir))
        make(places.install_record(models_dir))
    return write


def damaged_new_model(models_dir):
    path = os.path.join(places.fine_tuning_dir(models_dir), 'model_0.h5')
    with open(path, 'rb') as f:
        start = f.read(1000)
    with open(path, 'wb') as f:
        f.write(start)


def new_model_of_another_class(models_dir):
    folder = places.fine_tuning_dir(models_dir)
    shutil.copy(os.path.join(folder, 'model_1.h5'), os.path.join(folder, 'model_0.h5'))


def new_model_as_a_link(models_dir):
    folder = places.fine_tuning_dir(models_dir)
    os.rename(os.path.join(folder, 'model_0.h5'), os.path.join(models_dir, 'elsewhere.h5'))
    os.symlink(os.path.join(models_dir, 'elsewhere.h5'), os.path.join(folder, 'model_0.h5'))


def state_folder_as_a_link(models_dir):
    folder = places.fine_tuning_dir(models_dir)
    os.rename(folder, folder + '.real')
    os.symlink(os.path.basename(folder) + '.real', folder)


@pytest.mark.parametrize('damage, words', [
    (install_record_of('[["model_0.h5", "/tmp/x"'), 'install.json is not the record'),
    (install_record_of('{"a": 1}'), 'install.json is not the record'),
    (install_record_of('[["../victim", "../../moved"]]'), 'install.json is not the record'),
    (record_with(files=['../victim'] * 10), 'install.json is not the record'),
    (record_with(epochs='2'), 'install.json is not the record'),
    (install_record_of('[' * 100_000), 'install.json is'),
    (replaced_by(os.mkfifo), 'install.json is a FIFO (named pipe), not a file'),
    (replaced_by(os.mkdir), 'install.json is a folder, not a file'),
    (replaced_by(lambda path: os.symlink('/etc/passwd', path)), 'install.json is a symbolic link'),
    (damaged_new_model, 'model_0.h5 is not a readable model file'),
    (new_model_of_another_class, 'holds no new model of class 0'),
    (record_with(weight=0.25), 'holds no new model of class 0'),
    (new_model_as_a_link, 'model_0.h5 is a symbolic link'),
    (state_folder_as_a_link, 'fine_tuning.resume is a symbolic link'),
], ids=['truncated', 'a dict of nothing', 'paths', 'names not the set', 'epochs as text',
        'nested too deep', 'a FIFO', 'a folder', 'a link', 'a damaged new model',
        'another class', 'another weight', 'a new model as a link', 'the folder as a link'])
def test_a_damaged_or_hostile_fine_tuning_state_moves_nothing_and_names_the_way_out(
        tmp_path, damage, words):
    models_dir, originals, new = pending_set(tmp_path / 'set')
    victim = tmp_path / 'victim'
    victim.write_text('anyone else\'s file')
    data = ten_digits_npz(tmp_path)
    damage(models_dir)
    before = snapshot(tmp_path)
    result = run_in_process(*fine_tuning_command(models_dir, data), timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert words in result.stderr, result.stderr
    if 'symbolic link' not in words:
        assert '--restart' in result.stderr
    assert snapshot(tmp_path) == before, 'a refused install moves nothing'


def test_restart_discards_a_damaged_record_and_fine_tunes_the_set_it_was_made_from(
        tmp_path, monkeypatch):
    # What is tested is which models go where; fitting is tested above, and
    # costs seconds here that say nothing more.
    monkeypatch.setattr(keras.Model, 'fit', lambda *args, **kwargs: None)
    models_dir, originals, new = pending_set(tmp_path / 'set', epochs=1)
    # Four of the ten in place, as an earlier version left a set for good: mixed.
    for name in DIGITS[:4]:
        file = config.model_file.format(name)
        files.replace_keeping_old(os.path.join(places.fine_tuning_dir(models_dir), file),
                                  os.path.join(models_dir, file))
    install_record_of('{"half')(models_dir)
    data = ten_digits_npz(tmp_path)
    refused = run_in_process(*fine_tuning_command(models_dir, data, epochs=1), timeout=60)
    assert refused.returncode == 2 and '--restart' in refused.stderr, refused.stderr
    shutil.rmtree(places.fine_tuning_dir(models_dir))  # as the earlier version did
    refused = run_in_process(*fine_tuning_command(models_dir, data, epochs=1), timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert 'is mixed: model_0.h5, model_1.h5, model_2.h5, model_3.h5 fine-tuned' in (
        refused.stderr)
    mixed = snapshot(models_dir)
    classified = run_in_process('classification.py', f'--models_dir={models_dir}',
                                f'--data={data}', timeout=60)
    assert classified.returncode == 0, classified.stderr
    assert (f'Note: the models of {models_dir} were not all trained alike: 0 '
            '(fine_tuning_epochs 1, not None; fine_tuning_weight 0.5, not None), 1 (') in (
        classified.stdout)
    result = run_in_process(*fine_tuning_command(models_dir, data, '--restart', epochs=1),
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'Put back the models the set was fine-tuned from (4 of 10)' in result.stdout
    held = snapshot(models_dir)
    for name in DIGITS:
        file = config.model_file.format(name)
        assert loading.check(os.path.join(models_dir, file)).fine_tuning_epochs == 1
        kept = {digest for kept, digest in held.items() if kept.startswith(file + '.~')}
        assert {originals[file], mixed[file]} <= kept, 'every file the repair replaced is kept'


@pytest.mark.parametrize('script, args', [
    ('classification.py', ['--data=bundled']),
    ('generate.py', []),
    ('describe.py', []),
    ('train_mnist.py', ['--digit=3']),
])
def test_readers_and_training_refuse_a_set_whose_install_is_pending(tmp_path, script, args):
    models_dir, _, _ = pending_set(tmp_path / 'set')
    before = snapshot(tmp_path)
    where = [models_dir] if script == 'describe.py' else [f'--models_dir={models_dir}']
    result = run_in_process(script, *where, *args, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert 'not yet all in place' in result.stderr
    assert f'--discriminative --models_dir={models_dir}' in result.stderr
    assert snapshot(tmp_path) == before
