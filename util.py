"""Generative image models: preprocessing, training, sampling, classification.

An image is shrunk, quantized to a few intensity levels and read in raster
order (colour: red, green, blue within a pixel). A model, one per class,
gives every sub-pixel a distribution given the sub-pixels before it, so an
image's likelihood is the product of the probabilities of its sub-pixels; we
sum their logs. Models are ClassModels (pixel_rnn/architectures): a GRU over
the sequence of sub-pixels, the tutorial's design (gru.py), or a PixelCNN
(pixelcnn.py); the functions here take either and never ask which. Pictures
that need none of this are pixel_rnn/pictures.py's.
"""
import dataclasses
import math
import os

import keras
import numpy as np
from scipy import ndimage
from scipy.special import logsumexp, softmax
from skimage import transform

import config
from pixel_rnn import pictures
# The tutorial's shrinking, and a person's own picture made as a data set's
# images are: free of Keras, in the package, so that scripts use them before it starts.
from pixel_rnn.datasets.own_pictures import in_dataset_form  # noqa: F401 (util's own)
from pixel_rnn.images import shrink, shrink_all
from pixel_rnn.architectures import ClassModel, gru
from pixel_rnn.architectures.params import defaults
from pixel_rnn.datasets import DATASETS
from pixel_rnn.description import HELD_OUT, ModelInfo, counted
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, saving, sets
# A set's checks, free of Keras, in the package: util's own names for them.
from pixel_rnn.modelfile.sets import (differently_trained, mixed_architectures,  # noqa: F401
                                      shape_and_levels)
from pixel_rnn.training import Task, fine_tuning, one_class, parallel


# ---------------------------------------------------------------- preprocessing

def quantize(images, size=config.target_size, factor=config.factor):
    """uint8 images (m, h, w[, colours]) -> intensity levels (m, size, size[, colours])."""
    return np.round(shrink_all(images, size) / factor).astype(np.uint8)


def deskew(images):
    """uint8 grey images (m, h, w), each sheared so that its ink's principal
    axis stands upright and shifted so that its ink's centre of mass is the
    image's centre: the slant that varies from writer to writer is taken out
    before a model sees the image."""
    weights = images.astype(np.float64)
    ink = weights.sum(axis=(1, 2)) + 1e-9  # a blank image stays blank
    rows, cols = np.mgrid[:images.shape[1], :images.shape[2]]
    mean_row = (weights * rows).sum(axis=(1, 2)) / ink
    mean_col = (weights * cols).sum(axis=(1, 2)) / ink
    row_offsets = rows - mean_row[:, None, None]
    slants = ((weights * row_offsets * (cols - mean_col[:, None, None])).sum(axis=(1, 2))
              / np.maximum((weights * row_offsets ** 2).sum(axis=(1, 2)), 1e-9))
    centre_row, centre_col = (images.shape[1] - 1) / 2, (images.shape[2] - 1) / 2
    deskewed = np.empty_like(images)
    for index, (image, slant) in enumerate(zip(images, slants)):
        # warp's map takes each output (col, row) to where it reads the input.
        source = np.array([[1, slant, mean_col[index] - centre_col - slant * centre_row],
                           [0, 1, mean_row[index] - centre_row],
                           [0, 0, 1]])
        deskewed[index] = np.round(transform.warp(image, source, order=1, preserve_range=True))
    return deskewed


def to_levels(images, info):
    """uint8 images -> the levels a model of info takes: deskewed if it was
    trained so, shrunk and quantized."""
    return quantize(deskew(images) if info.deskew else images, info.image_size, info.factor)


# A move is one one-pixel offset (rows, columns) of an image: down, up,
# right, left, then the diagonals. Training's --shifts=N adds the images
# under the first N (the flag and ModelInfo.shifts keep the name users and
# files know); classification's --moves scores them (scored_moves). Every
# other name here says move.
MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))


def moved(images, rows, columns):
    """uint8 images (grey or colour) moved by whole pixels, zeros filling the edge they leave."""
    offsets = (0, rows, columns) + (0,) * (images.ndim - 3)
    return ndimage.shift(images, offsets, order=0, mode='constant', cval=0)


def scored_moves(count):
    """The moves classification.py --moves=count scores each image under
    besides the image itself: 2 is one along each axis (down, right), each
    moving the halving to 14x14 by half a pixel; 4 and 8 as --shifts."""
    return {0: (), 2: (MOVES[0], MOVES[2]), 4: MOVES[:4], 8: MOVES}[count]


def training_levels(images, info):
    """The levels a model of info trains on: those of images, with
    info.shifts also of their first info.shifts one-pixel moves (before
    shrinking, so each is a new picture), with info.mirror also the mirror
    images of all."""
    if info.shifts:
        images = np.concatenate([images] + [moved(images, *move)
                                            for move in MOVES[:info.shifts]])
    levels = to_levels(images, info)
    return np.concatenate([levels, levels[:, :, ::-1]]) if info.mirror else levels


# ---------------------------------------------------------------- the tutorial's functions
# The tutorial walks its reader through these, under these names, and its
# scripts call them so; each is a thin face over what follows, on this
# project's model files and the tutorial's own.

def create_model(one_hot_len):
    """The tutorial's network: a GRU of 256 units over one-hot levels
    (one_hot_len of them), a Dense layer and a softmax at every step,
    compiled as the tutorial compiles it (Adam, categorical cross-entropy)."""
    network = gru.create_model(one_hot_len)
    network.compile(optimizer='adam', loss='categorical_crossentropy')
    return network


def pre_process(images, size=config.target_size, levels=config.num_classes):
    """uint8 images (m, h, w) as the tutorial's GRU reads them: shrunk to
    size x size, quantized to levels, one-hot, after an all-zero start
    vector: (m, size * size + 1, levels)."""
    return gru.to_sequences(quantize(images, size, 256 / (levels - 1)), levels)


class TrainedModel(ClassModel):
    """What train_model returns: a ClassModel that saves itself as the
    tutorial's Keras model does."""

    def save(self, path):
        """Write the model to path, whole or not at all, as a file the
        scripts load; its class the one the file's name gives (model_7.h5:
        7), as the tutorial's files say theirs."""
        self.info = dataclasses.replace(self.info, class_name=config.class_name_of(path))
        saving.save(self, path)


def train_model(xs, num_classes, batch_size=32, epochs=50):
    """The tutorial's training: a GRU of num_classes levels fitted to predict
    each step of xs (from pre_process) from the steps before it, the
    targets shifted by one. Returns the TrainedModel, which model.save(path)
    writes as a file the scripts load."""
    size = math.isqrt(xs.shape[1] - 1)
    if xs.ndim != 3 or xs.shape[2] != num_classes or size * size != xs.shape[1] - 1:
        raise UsageError(f'xs of shape {xs.shape} is not what pre_process makes of square '
                         f'images with {num_classes} levels: (images, side * side + 1, '
                         f'{num_classes})')
    levels = np.argmax(xs[:, 1:], axis=2).reshape(len(xs), size, size)
    info = ModelInfo(dataset='mnist', class_name='', image_size=size, levels=num_classes,
                     colours=1, arch='gru', params=defaults(gru.PARAMS), num_images=len(xs),
                     epochs=epochs, batch_size=batch_size)
    model = TrainedModel.create(info)
    history = model.fit(levels, batch_size, epochs)
    model.info = dataclasses.replace(info, loss=float(history.history['loss'][-1]))
    return model


def load_model(path):
    """The model in the file at path (this project's, or the tutorial's own),
    every check made: the tutorial's keras.models.load_model."""
    return loading.load(path)


def sample(model, image_size, num_classes):
    """One image's pixels drawn from model (from load_model or train_model),
    each from the model's distribution given the pixels before it, as the
    tutorial's pixels: levels (image_size * image_size, 1)."""
    if (image_size, num_classes) != (model.info.image_size, model.info.levels):
        raise UsageError(f'the model is of {model.info.image_size}x{model.info.image_size} '
                         f'images with {model.info.levels} levels, not {image_size}x'
                         f'{image_size} with {num_classes}')
    return model.sample(1).reshape(-1, 1).astype(np.uint8)


def classify(models_dir, images, dataset='mnist'):
    """The tutorial's classify: the class of each uint8 image by Bayes' rule
    over the models model_{class}.h5 in models_dir, of the data set named
    (bayes_classify, on loaded models)."""
    settings = DATASETS[dataset]
    return bayes_classify(load_models(models_dir, settings.class_names, settings), images)


# ---------------------------------------------------------------- training

def train(dataset, template, labels, models_dir, num_images, restart=False, logdir=None,
          jobs=None, distribute=False):
    """What train_mnist.py and train_cifar.py do: train one model per label
    (a position in dataset.class_names; None: every class) on up to
    num_images of its training images, after the first template.skip, as the
    ModelInfo template says; jobs classes at a time, each in a process of its
    own (None: as many as there are cores, one where one class is trained);
    distribute spreads each class's batches over the local devices instead.
    A model whose file already holds the same training is skipped; an
    interrupted one resumes (unless restart); a class that another run is
    training into models_dir now is refused before any begins."""
    problem = template.problem()
    if problem:
        raise UsageError(f'cannot train that: {problem}')
    tasks = []
    for label in range(len(dataset.class_names)) if labels is None else labels:
        in_class = dataset.y_train == label
        images = dataset.x_train[in_class][template.skip:template.skip + num_images]
        name = dataset.class_names[label]
        if len(images) == 0:
            raise UsageError(f'no training images of class {name} '
                             f'(after skipping {template.skip})')
        info = dataclasses.replace(template, class_name=name, num_images=len(images),
                                   prior=float(in_class.mean()), data_source=dataset.source)
        tasks.append(Task(training_levels(images, info), info, config.model_path(models_dir, name),
                          restart, logdir and os.path.join(logdir, name), distribute,
                          to_levels(held_out_images(dataset, label, template.skip + len(images)),
                                    info)))
    jobs = 1 if distribute else min(len(tasks), jobs or os.cpu_count() or 1)
    with one_class.locked([task.path for task in tasks]):
        if jobs > 1:
            parallel.train_in_parallel(tasks, jobs)
        else:
            for task in tasks:
                one_class.train_class(*task)


def held_out_images(dataset, label, used=None):
    """Up to HELD_OUT images of class label that training on the first used
    of its training images leaves out (None: on any of them): the rest of
    them, else its test images (none where those are its training images)."""
    rest = (dataset.x_train[dataset.y_train == label][used:] if used is not None
            else dataset.x_train[:0])
    if not len(rest) and dataset.x_test is not dataset.x_train:
        rest = dataset.x_test[dataset.y_test == label]
    return rest[:HELD_OUT]


def fine_tune(dataset, settings, models_dir, weight, epochs, batch_size, num_images, skip=0,
              seed=None, restart=False, distribute=False, callbacks=()):
    """Fine-tune the set of models in models_dir (one per class of dataset,
    of settings' data set) together, on up to num_images training images of
    each class after the first skip, so that Bayes' rule tells the classes
    apart; weight is the density term's (pixel_rnn/training/fine_tuning.py).
    A set already fine-tuned so is left as it is; an interrupted run resumes,
    and one stopped as it put the new set in place finishes that first.
    restart fine-tunes again from the models a fine-tuned set was
    fine-tuned from (kept beside them). callbacks: Keras callbacks of the
    fit, whose model maps levels to the log-likelihoods (images, classes)."""
    paths = [config.model_path(models_dir, name) for name in dataset.class_names]
    with one_class.locked(paths):
        fine_tuning.finish_pending(models_dir, dataset.class_names, restart)
        models = load_models(models_dir, dataset.class_names, settings)
        done = {fine_tuning.fine_tuned(model.info) for model in models}
        if done == {(weight, epochs)} and not restart:
            print(f'{models_dir} already holds this fine-tuning ({counted(epochs, "epoch")}, '
                  f'density weight {weight:g}); skipped (--restart fine-tunes it again)')
            return
        if done != {None}:
            if not restart:
                raise UsageError(fine_tuning.already_fine_tuned(models_dir, models))
            fine_tuning.put_back_originals(models_dir, models)
            models = load_models(models_dir, dataset.class_names, settings)
        mixed = mixed_architectures(models)
        if mixed:
            raise UsageError(f'the models of {models_dir} mix architectures ({mixed}); '
                             'fine-tune a set of one')
        levels, labels = [], []
        for label, model in enumerate(models):
            images = dataset.x_train[dataset.y_train == label][skip:skip + num_images]
            if len(images) == 0:
                raise UsageError(f'no training images of class {model.info.class_name} '
                                 f'(after skipping {skip})')
            # The images themselves: their moves measured no better, at nine times the cost.
            levels.append(to_levels(images, model.info))
            labels.append(np.full(len(levels[-1]), label))
        run = dict(weight=weight, epochs=epochs, batch_size=batch_size, seed=seed,
                   num_images=num_images, skip=skip, data_source=dataset.source,
                   rate=fine_tuning.RATE, posterior_scale=fine_tuning.POSTERIOR_SCALE,
                   models=[one_class.class_run(model.info) for model in models])
        print(f'Fine-tuning the {len(models)} models of {models_dir} together on '
              f'{sum(map(len, levels))} images: {counted(epochs, "epoch")}, density weight '
              f'{weight:g}')
        if seed is not None:
            keras.utils.set_random_seed(seed)
        # Measured again on the class's test images: those of its own training no longer hold.
        held_out = [to_levels(held_out_images(dataset, label), model.info)
                    for label, model in enumerate(models)]
        fine_tuning.fine_tune(models, log_priors(models), models_dir, np.concatenate(levels),
                              np.concatenate(labels), weight, epochs, batch_size, run, restart,
                              distribute, callbacks, held_out)


def finish_fine_tuning(models_dir, class_names, restart=False):
    """Put in place a fine-tuned set of models_dir whose install a run
    stopped midway, if there is one (needing no data); with restart, one
    whose record is damaged is discarded instead."""
    paths = [config.model_path(models_dir, name) for name in class_names]
    with one_class.locked(paths):
        fine_tuning.finish_pending(models_dir, class_names, restart)


# ---------------------------------------------------------------- model files

def load_models(models_dir, class_names, settings):
    """The models of the classes of settings' data set, checked to agree
    with each other and with the data set."""
    return built(sets.read_set(models_dir, class_names, settings))


def built(stored):
    """ClassModels of StoredModels (sets.read_set, before Keras started)."""
    return [loading.build(model.path, model.info, model.weights) for model in stored]


def log_priors(models):
    """Log class priors from the class shares stored with the models; uniform
    when any model lacks one (such as the tutorial's own files)."""
    priors = np.array([np.nan if model.info.prior is None else model.info.prior
                       for model in models], dtype=np.float64)
    if np.isnan(priors).any():
        priors = np.ones(len(models))
    return np.log(priors / priors.sum())


# ---------------------------------------------------------------- likelihood

def check_images_fit(models, images):
    colours = images.shape[3] if images.ndim == 4 else 1
    if colours != models[0].info.colours:
        raise UsageError(f'the images are {"colour" if colours > 1 else "grey"}, the models '
                         f'{shape_and_levels(models[0].info)}; give data of their kind')


def levels_by_move(images, info, moves=()):
    """The levels of images as a model of info reads them, then of the images
    moved by each of moves (before shrinking)."""
    return [to_levels(images, info)] + [to_levels(moved(images, *move), info)
                                        for move in moves]


def class_log_likelihood(model, levels_by_move, floor=None):
    """Log-likelihood in nats of each image under model, given the levels of
    it and of its moves (from levels_by_move): with the image alone, the
    model's own; with moves, the log of the mean of the likelihoods of the
    image and its moves, the image's place a latent variable (it is one of
    them, each as likely). floor as in ClassModel.log_likelihood, with the
    image alone only: a cut-short sum would overstate the mean."""
    if len(levels_by_move) == 1:
        return model.log_likelihood(levels_by_move[0], floor)
    return mixture_log_likelihood([model.log_likelihood(levels) for levels in levels_by_move])


def mixture_log_likelihood(log_likelihoods):
    """Log-likelihood of each image under a mixture with equal weights of the
    components whose log-likelihoods (components, images) are given: the log
    of the mean of their likelihoods, in log space, where products of
    probabilities underflow."""
    return logsumexp(log_likelihoods, axis=0) - np.log(len(log_likelihoods))


def log_likelihoods_by_class(models, images, verbose=0, moves=()):
    """Log-likelihoods in nats (images, classes) of uint8 images under one
    model per class; with moves, each the mean over the image and its moves
    (class_log_likelihood). verbose=1 shows a progress bar over the models."""
    check_images_fit(models, images)
    moved_levels = levels_by_move(images, models[0].info, moves)
    progress = keras.utils.Progbar(len(models), verbose=verbose, unit_name='model')
    log_likelihoods = np.zeros((len(images), len(models)))
    for index, model in enumerate(models):
        log_likelihoods[:, index] = class_log_likelihood(model, moved_levels)
        progress.update(index + 1)
    return log_likelihoods


def own_class_log_likelihoods(models, images, labels):
    """Log-likelihood in nats of each uint8 image under the model of its own
    class (labels: positions in models); each model sees only its images."""
    check_images_fit(models, images)
    levels = to_levels(images, models[0].info)
    log_likelihoods = np.zeros(len(images))
    for index, model in enumerate(models):
        own = labels == index
        log_likelihoods[own] = model.log_likelihood(levels[own]) if own.any() else 0
    return log_likelihoods


def bits_per_dim(log_likelihoods, num_subpixels):
    return -np.mean(log_likelihoods) / (num_subpixels * np.log(2))


def posteriors(models, images, moves=()):
    """Probability (images, classes) of each class given each uint8 image, by
    Bayes' rule in log space: the softmax of log-likelihood plus log prior."""
    return bayes_posteriors(log_likelihoods_by_class(models, images, moves=moves),
                            log_priors(models))


def bayes_posteriors(log_likelihoods, log_priors):
    """Probability (images, classes) of each class, from the log-likelihoods
    (images, classes) and the classes' log priors."""
    return softmax(log_likelihoods + log_priors, axis=1)


def bayes_decision(log_likelihoods, log_priors):
    """Index of the most probable class for each row of (images, classes) log-likelihoods."""
    return np.argmax(log_likelihoods + log_priors, axis=1)


def bayes_classify(models, images, verbose=0, moves=()):
    """Position in models of each uint8 image's class, by Bayes' rule with
    the priors stored with the models: the decisions of bayes_decision over
    log_likelihoods_by_class, with less work. Log-probabilities only
    subtract, so once a class's running sum plus its log prior falls below
    the best complete score an earlier class gave the image, the class
    cannot win, and its remaining steps are skipped. With moves, each class's
    likelihood is the mean over the image and its moves (class_log_likelihood), whose
    sums are all computed whole."""
    check_images_fit(models, images)
    moved_levels = levels_by_move(images, models[0].info, moves)
    class_log_priors = log_priors(models)
    best = np.full(len(images), -np.inf)
    decisions = np.zeros(len(images), dtype=np.int64)
    progress = keras.utils.Progbar(len(models), verbose=verbose, unit_name='model')
    for index, (model, log_prior) in enumerate(zip(models, class_log_priors)):
        scores = class_log_likelihood(model, moved_levels, best - log_prior) + log_prior
        # Strictly better: on a tie the earlier class stays, as np.argmax has it.
        wins = scores > best
        best[wins], decisions[wins] = scores[wins], index
        progress.update(index + 1)
    return decisions


# ---------------------------------------------------------------- sampling

def complete(model, levels, given_rows, num_completions, seed=None, temperature=1.0,
             verbose=0):
    """num_completions of each image of levels (m, *model.info.shape): its
    first given_rows rows kept, every other sub-pixel drawn from the model
    given all before it. (m, num_completions, *model.info.shape)."""
    info = model.info
    given = np.repeat(levels.reshape(len(levels), -1), num_completions, axis=0)
    completions = model.sample(len(given), seed, temperature, verbose,
                               given[:, :given_rows * info.image_size * info.colours])
    return completions.reshape((len(levels), num_completions) + info.shape)


def levels_to_image(levels, output_size, factor=config.factor):
    """Levels (h, w[, 3]) -> uint8 picture output_size x output_size."""
    intensities = np.clip(levels * factor, 0, 255).astype(np.uint8)
    return shrink(intensities, output_size)


def hidden_rows_image(levels, given_rows, output_size, factor=config.factor):
    """Levels (h, w[, 3]) -> uint8 picture output_size x output_size of its
    first given_rows rows, the rest hatched in greys as hidden."""
    # The last given row stands in for the hidden ones, so that the smooth
    # scaling of levels_to_image carries nothing of them into the given part.
    shown = np.concatenate([levels[:given_rows]]
                           + [levels[given_rows - 1:given_rows]] * (len(levels) - given_rows))
    picture = levels_to_image(shown, output_size, factor)
    first_hidden = int(round(given_rows * output_size / len(levels)))
    rows, columns = np.mgrid[first_hidden:output_size, :output_size]
    hatching = np.where((rows + columns) // 4 % 2, 96, 160).astype(np.uint8)
    picture[first_hidden:] = hatching[..., None] if picture.ndim == 3 else hatching
    return picture


def completion_picture(levels, completions, given_rows, output_size, factor=config.factor):
    """One row per image of levels: the image with its hidden rows hatched,
    its completions (from complete), then the image whole."""
    cells = []
    for image, image_completions in zip(levels, completions):
        cells.append(hidden_rows_image(image, given_rows, output_size, factor))
        cells += [levels_to_image(completion, output_size, factor)
                  for completion in image_completions]
        cells.append(levels_to_image(image, output_size, factor))
    return pictures.image_grid(cells, columns=len(completions[0]) + 2)
