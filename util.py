"""Generative image models: preprocessing, training, sampling, classification.

An image is shrunk, quantized to a few intensity levels and read in raster
order (colour: red, green, blue within a pixel). A model, one per class,
gives every sub-pixel a distribution given the sub-pixels before it, so an
image's likelihood is the product of the probabilities of its sub-pixels; we
sum their logs. Models are ClassModels (models.py): a GRU over the sequence
of sub-pixels, the tutorial's design (gru.py), or a PixelCNN (pixelcnn.py);
the functions here take either and never ask which.
"""
import dataclasses
import json
import os
import shutil
import sys

import keras
import numpy as np
from PIL import Image
from skimage import transform
from skimage.util import img_as_ubyte

import config
import modelfile
from errors import UsageError
# The tutorial's GRU functions, under the names it gave them.
from gru import create_model, next_pixel_targets, to_sequences  # noqa: F401
from models import ClassModel, ModelInfo  # noqa: F401


# ---------------------------------------------------------------- preprocessing

def shrink(im, size):
    return img_as_ubyte(transform.resize(im, (size, size)))


def shrink_all(x, size):
    return np.array([shrink(im, size) for im in x])


def quantize(images, size=config.target_size, factor=config.factor):
    """uint8 images (m, h, w[, channels]) -> intensity levels (m, size, size[, channels])."""
    return np.round(shrink_all(images, size) / factor).astype(np.uint8)


def pre_process(images, size=config.target_size, factor=config.factor,
                num_levels=config.num_classes):
    """uint8 images (m, h, w[, channels]) -> one-hot sequences, as the tutorial trains its GRU."""
    channels = images.shape[3] if images.ndim == 4 else 1
    return to_sequences(quantize(images, size, factor), num_levels, channels)


# ---------------------------------------------------------------- training

def train(dataset, request, labels, models_dir, num_images, restart=False, logdir=None):
    """What train_mnist.py and train_cifar.py do: train the classes at positions
    labels (None: all) of dataset as request (fields of a ModelInfo) asks."""
    train_class_models(dataset, range(len(dataset.class_names)) if labels is None else labels,
                       models_dir, ModelInfo(**request), num_images, restart, logdir)


def train_class_models(dataset, labels, models_dir, template, num_images, restart=False,
                       logdir=None):
    """Train one model per label (a position in dataset.class_names) on up to
    num_images of its training images, after the first template.skip, as the
    ModelInfo template says. A model whose file already holds the same
    training is skipped; an interrupted one resumes (unless restart)."""
    problem = template.problem()
    if problem:
        raise UsageError(f'cannot train that: {problem}')
    modelfile.remove_stale_temporaries(models_dir)
    for label in labels:
        in_class = dataset.y_train == label
        images = dataset.x_train[in_class][template.skip:template.skip + num_images]
        name = dataset.class_names[label]
        if len(images) == 0:
            raise UsageError(f'no training images of class {name} '
                             f'(after skipping {template.skip})')
        info = dataclasses.replace(template, class_name=name, num_images=len(images),
                                   prior=float(in_class.mean()), data_source=dataset.source)
        train_class(images, info, model_path(models_dir, name), restart,
                    logdir and os.path.join(logdir, name))


def train_class(images, info, path, restart=False, logdir=None):
    """Train the model info describes on images and put it at path, keeping
    the file it replaces. Each epoch is backed up beside path, so running the
    same training again after an interruption goes on from the last one."""
    existing = modelfile.read_info(path)
    if existing and existing.same_training(info) and not restart:
        print(f'{path} already holds this training ({info.epochs} epochs); skipped '
              '(--restart trains it again)')
        return
    backup = ResumableBackup(path + '.resume', info, restart)
    print(f'Training {info.summary()}')
    if existing or os.path.exists(path):
        print(f'{path} will be replaced when training ends; the old file goes to '
              f'{modelfile.old_name(path)}')
    if backup.epoch:
        print(f'Resuming after epoch {backup.epoch} of {info.epochs} from {backup.backup_dir}')
    if info.seed is not None:
        keras.utils.set_random_seed(info.seed)
    model = ClassModel.create(info)
    callbacks = [backup] + ([keras.callbacks.TensorBoard(logdir)] if logdir else [])
    model.fit(quantize(images, info.image_size, info.factor), info.batch_size, info.epochs,
              callbacks, verbose=progress_mode())
    model.info = dataclasses.replace(info, loss=backup.loss)
    kept = modelfile.install(model, path)
    shutil.rmtree(backup.backup_dir)
    print(f'Saved {path}' + (f'; the file it replaced is {kept}' if kept else ''))


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """Keras's BackupAndRestore (weights, optimizer state and epoch after
    every epoch, restored when fit begins again), made safe to kill at any
    moment: each epoch's weights and record go to files named by the epoch,
    written under temporary names and renamed, so the newest complete pair
    is always there. The backup is tied to one training (run.json): another
    one refuses to start over it unless restart, which clears it."""

    def __init__(self, backup_dir, info, restart=False):
        super().__init__(backup_dir, delete_checkpoint=False)
        run = dataclasses.asdict(dataclasses.replace(info, loss=None, keras_version=None))
        run_path = os.path.join(backup_dir, 'run.json')
        if restart and os.path.exists(backup_dir):
            shutil.rmtree(backup_dir)
        if os.path.exists(run_path):
            with open(run_path) as f:
                earlier = json.load(f)
            if earlier != json.loads(json.dumps(run)):
                raise UsageError(
                    f'{backup_dir} holds an interrupted training with other settings '
                    f'({differences(earlier, run)}); run that command again to finish it, '
                    'or add --restart to discard it')
        else:
            if os.path.exists(backup_dir):
                shutil.rmtree(backup_dir)  # killed before it recorded anything
            os.makedirs(backup_dir)
            write_whole(run_path, json.dumps(run))
        modelfile.remove_stale_temporaries(backup_dir)
        self.epoch, self.loss = self.latest()

    def latest(self):
        """(epoch, loss) of the newest complete backup, or (0, None)."""
        epochs = sorted(int(name[len('epoch_'):-len('.json')])
                        for name in os.listdir(self.backup_dir)
                        if name.startswith('epoch_') and name.endswith('.json'))
        for epoch in reversed(epochs):
            if os.path.exists(self.weights_path(epoch)):
                with open(self.record_path(epoch)) as f:
                    return epoch, json.load(f)['loss']
        return 0, None

    def weights_path(self, epoch):
        return os.path.join(self.backup_dir, f'epoch_{epoch:05d}.weights.h5')

    def record_path(self, epoch):
        return os.path.join(self.backup_dir, f'epoch_{epoch:05d}.json')

    def on_epoch_end(self, epoch, logs=None):
        self.loss = (logs or {}).get('loss')
        super().on_epoch_end(epoch, logs)

    def _save_model(self):
        epoch = self._current_epoch
        temporary = modelfile.temporary_name(self.weights_path(epoch))
        try:
            self.model.save_weights(temporary)
            os.replace(temporary, self.weights_path(epoch))
        finally:
            modelfile.remove_quietly(temporary)
        write_whole(self.record_path(epoch), json.dumps({'epoch': epoch, 'loss': self.loss}))
        for older in range(1, epoch):
            modelfile.remove_quietly(self.record_path(older))
            modelfile.remove_quietly(self.weights_path(older))
        self.epoch = epoch

    def _load_model(self):
        if not self.epoch:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(self.weights_path(self.epoch))
        # BackupAndRestore's own way of telling fit where to go on.
        self.model._initial_epoch = self.epoch


def write_whole(path, text):
    temporary = f'{path}.{os.getpid()}.tmp.json'
    try:
        with open(temporary, 'w') as f:
            f.write(text)
        os.replace(temporary, path)
    finally:
        modelfile.remove_quietly(temporary)


def differences(earlier, now):
    return ', '.join(f'{key} {earlier.get(key)!r} then, {value!r} now'
                     for key, value in now.items() if earlier.get(key) != value)


# ---------------------------------------------------------------- model files

model_path = config.model_path


def save_model(model, path):
    """Write a ClassModel whole or not at all, with its description."""
    modelfile.save(model, path)


def load_model(path):
    """The ClassModel in a file of this project or of the tutorial (Keras 2.2.4)."""
    return modelfile.load(path)


def load_models(models_dir, class_names, settings):
    """The models of the classes of settings' data set, checked to agree
    with each other and with the data set."""
    paths = [model_path(models_dir, name) for name in class_names]
    models = [load_model(path) for path in paths]
    for path, name, model in zip(paths, class_names, models):
        info = model.info
        if info.dataset != settings.name:
            raise UsageError(f'{path} models {info.dataset} {info.class_name}, not '
                             f'{settings.name}; give a --models_dir of {settings.name} models')
        if info.class_name != name:
            raise UsageError(f'{path} models class {info.class_name!r}, not {name!r}; '
                             'rename or retrain it')
    first_path, first = paths[0], models[0].info
    for path, model in zip(paths[1:], models[1:]):
        if shape_and_levels(model.info) != shape_and_levels(first):
            raise UsageError(f'the models of {models_dir} disagree: {first_path} is '
                             f'{shape_and_levels(first)}, {path} is '
                             f'{shape_and_levels(model.info)}; retrain them alike')
    return models


def shape_and_levels(info):
    return (f'{info.image_size}x{info.image_size} {"colour" if info.colours > 1 else "grey"} '
            f'with {info.levels} levels')


def log_priors(models):
    """Log class priors from the class shares stored with the models; uniform
    when any model lacks one (such as the tutorial's own files)."""
    priors = np.array([np.nan if model.info.prior is None else model.info.prior
                       for model in models], dtype=np.float64)
    if np.isnan(priors).any():
        priors = np.ones(len(models))
    return np.log(priors / priors.sum())


# ---------------------------------------------------------------- likelihood

def log_likelihood(model, levels):
    """Log-probability in nats of each image of levels under a ClassModel."""
    return model.log_likelihood(levels)


def progress_mode():
    """Keras's verbose for progress a user watches: a live bar on a terminal,
    one plain line at the end in a file or pipe, where the bar's control
    characters would garble the log."""
    return 1 if sys.stdout.isatty() else 2


def check_images_fit(models, images):
    colours = images.shape[3] if images.ndim == 4 else 1
    if colours != models[0].info.colours:
        raise UsageError(f'the images are {"colour" if colours > 1 else "grey"}, the models '
                         f'{shape_and_levels(models[0].info)}; give data of their kind')


def log_likelihoods_by_class(models, images, verbose=0):
    """Log-likelihoods in nats (images, classes) of uint8 images under one
    model per class. verbose=1 shows a progress bar over the models."""
    check_images_fit(models, images)
    info = models[0].info
    levels = quantize(images, info.image_size, info.factor)
    progress = keras.utils.Progbar(len(models), verbose=verbose, unit_name='model')
    log_likelihoods = np.zeros((len(images), len(models)))
    for index, model in enumerate(models):
        log_likelihoods[:, index] = model.log_likelihood(levels)
        progress.update(index + 1)
    return log_likelihoods


def bits_per_dim(log_likelihoods, num_subpixels):
    return -np.mean(log_likelihoods) / (num_subpixels * np.log(2))


def bayes_decision(log_likelihoods, log_priors):
    """Index of the most probable class for each row of (images, classes) log-likelihoods."""
    return np.argmax(log_likelihoods + log_priors, axis=1)


def classify(models, images, verbose=0):
    """Position in models of each uint8 image's class, by Bayes' rule with
    the priors stored with the models."""
    return bayes_decision(log_likelihoods_by_class(models, images, verbose), log_priors(models))


# ---------------------------------------------------------------- sampling

def sample(model, num_images=1, seed=None, temperature=1.0, verbose=0):
    """Images of levels drawn from a ClassModel: see ClassModel.sample."""
    return model.sample(num_images, seed, temperature, verbose)


def levels_to_image(levels, output_size, factor=config.factor):
    """Levels (h, w[, 3]) -> uint8 picture output_size x output_size."""
    intensities = np.clip(levels * factor, 0, 255).astype(np.uint8)
    return shrink(intensities, output_size)


def image_grid(images):
    """(rows * cols) equal-size images -> one picture, row by row."""
    grid_size = int(round(np.sqrt(len(images))))
    rows = [np.concatenate(images[row * grid_size:(row + 1) * grid_size], axis=1)
            for row in range(grid_size)]
    return np.concatenate(rows, axis=0)


def save_picture(picture, path, image_format):
    """Write a uint8 picture to path in image_format (a Pillow format name),
    whole or not at all."""
    temporary = f'{path}.{os.getpid()}.tmp.png'
    try:
        Image.fromarray(picture).save(temporary, format=image_format)
        os.replace(temporary, path)
    finally:
        modelfile.remove_quietly(temporary)

