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

import numpy as np
from scipy.special import logsumexp, softmax

import config
from pixel_rnn import pictures, startup
# The preprocessing (the tutorial's shrinking among it), and a person's own
# picture made as a data set's images are: free of Keras, in the package,
# so that scripts use them before it starts; util's own names for them.
from pixel_rnn.datasets.own_pictures import in_dataset_form  # noqa: F401
from pixel_rnn.images import (MOVES, deskew, moved, quantize, scored_moves,  # noqa: F401
                              shrink, shrink_all, to_levels, training_levels)
from pixel_rnn.architectures import gru
from pixel_rnn.architectures.params import defaults
from pixel_rnn.datasets import DATASETS
from pixel_rnn.description import ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, saving
# A set's checks, free of Keras, in the package: util's own names for them.
from pixel_rnn.modelfile.sets import (built, differently_trained, load_models,  # noqa: F401
                                      log_priors, mixed_architectures, shape_and_levels)
from pixel_rnn.training import Task, fine_tuning, held_out_images, one_class, parallel


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


class TrainedModel(gru.GRU):
    """What train_model returns: a GRU model that saves itself as the
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
    model = TrainedModel(info)
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
    with one_class.locked([task.path for task in tasks]) as locks:
        if jobs > 1:
            parallel.train_in_parallel(tasks, jobs, locks)  # Keras starts in the workers alone
        else:
            startup.start_keras()
            for task in tasks:
                one_class.train_class(*task)


def fine_tune(dataset, settings, models_dir, weight, epochs, batch_size, num_images, skip=0,
              seed=None, restart=False, distribute=False, callbacks=(), rate=None,
              posterior_scale=None):
    """Fine-tune the set of models in models_dir (one per class of dataset,
    of settings' data set) together, on up to num_images training images of
    each class after the first skip, so that Bayes' rule tells the classes
    apart; weight is the density term's. A set already fine-tuned so is left
    as it is; an interrupted run resumes, one stopped as it put the new set
    in place finishes that first, and restart fine-tunes again from the
    models a fine-tuned set was fine-tuned from (pixel_rnn/training/fine_tuning.py).
    callbacks: Keras callbacks of the fit, whose model maps levels to the
    log-likelihoods (images, classes); rate, posterior_scale: Adam's rate
    and the trained posterior's scale (None: the measured defaults)."""
    fine_tuning.fine_tune_set(dataset, settings, models_dir, weight, epochs, batch_size,
                              num_images, skip, seed, restart, distribute, callbacks, rate,
                              posterior_scale)


def finish_fine_tuning(models_dir, class_names, restart=False):
    """Put in place a fine-tuned set of models_dir whose install a run
    stopped midway, if there is one (needing no data); with restart, one
    whose record is damaged is discarded instead."""
    fine_tuning.finish_set(models_dir, class_names, restart)


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
    import keras
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
    import keras
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
