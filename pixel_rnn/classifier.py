"""BayesClassifier: a set of class models, classifying by Bayes' rule, with scikit-learn's face.

The class of an image is the one whose model gives it the highest
likelihood times the class's prior; everything is summed in log space,
where products of hundreds of probabilities underflow. Free of Keras at
import: the models it is given were built where Keras started.
"""
import numpy as np
from scipy.special import logsumexp, softmax

from pixel_rnn.errors import UsageError
from pixel_rnn.images import moved, to_levels
from pixel_rnn.modelfile import sets


class BayesClassifier:
    """One ClassModel per class (classes_ their names) and the classes' log
    priors (log_priors_), from the class shares stored with the models.
    Images are uint8 pictures of the data set's size and colours; moves
    (images.scored_moves) score each image also moved by a pixel, a class's
    likelihood the mean over the image and its moves."""

    def __init__(self, models):
        self.models = list(models)
        self.classes_ = [model.info.class_name for model in self.models]
        self.log_priors_ = log_priors(self.models)

    @classmethod
    def from_folder(cls, models_dir, settings, class_names=None):
        """The models of class_names (default: every class of settings' data
        set) in models_dir, each file checked, the set checked to agree."""
        return cls(sets.load_models(models_dir, class_names or settings.class_names, settings))

    @property
    def info(self):
        """The ModelInfo of the first class: size, levels and colours, which all share."""
        return self.models[0].info

    def levels(self, images, moves=()):
        """The levels of images as the models read them, then of the images
        moved by each of moves (before shrinking)."""
        images = np.asarray(images)
        if images.ndim not in (3, 4) or images.ndim == 4 and images.shape[3] not in (1, 3):
            raise UsageError(f'images of shape {images.shape} are not pictures (images, height, '
                             'width) or (images, height, width, 3)')
        colours = images.shape[3] if images.ndim == 4 else 1
        if colours != self.info.colours:
            raise UsageError(f'the images are {"colour" if colours > 1 else "grey"}, the models '
                             f'{sets.shape_and_levels(self.info)}; give data of their kind')
        if not len(images):
            return [np.zeros((0,) + self.info.shape, np.uint8)] * (1 + len(moves))
        return [to_levels(images, self.info)] + [to_levels(moved(images, *move), self.info)
                                                 for move in moves]

    def log_likelihoods(self, images, moves=(), verbose=0):
        """Log-likelihoods in nats (images, classes). verbose=1 shows a
        progress bar over the classes."""
        levels = self.levels(images, moves)
        columns = []
        for model in progress(self.models, verbose):
            columns.append(class_log_likelihood(model, levels))
        return np.stack(columns, axis=1) if columns else np.zeros((len(images), 0))

    def own_log_likelihoods(self, images, labels):
        """Log-likelihood in nats of each image under the model of its own
        class (labels: positions in classes_); each model sees only its images."""
        levels = self.levels(images)[0]
        log_likelihoods = np.zeros(len(images))
        for index, model in enumerate(self.models):
            own = labels == index
            if own.any():
                log_likelihoods[own] = model.log_likelihood(levels[own])
        return log_likelihoods

    def predict_log_proba(self, images, moves=()):
        """Log-probability (images, classes) of each class given each image."""
        scores = self.log_likelihoods(images, moves) + self.log_priors_
        return scores - logsumexp(scores, axis=1, keepdims=True)

    def predict_proba(self, images, moves=()):
        """Probability (images, classes) of each class given each image."""
        return self.posteriors(self.log_likelihoods(images, moves))

    def posteriors(self, log_likelihoods):
        """Probability (images, classes) of each class, from the images'
        log-likelihoods (images, classes): Bayes' rule in log space."""
        return softmax(log_likelihoods + self.log_priors_, axis=1)

    def predict(self, images, moves=(), verbose=0):
        """Position in classes_ of each image's class: bayes_decision over
        log_likelihoods, with less work. Log-probabilities only subtract, so
        a class whose running sum plus log prior falls below the best score an
        earlier class gave the image cannot win, and its remaining steps are
        skipped (with moves, every sum is computed whole)."""
        levels = self.levels(images, moves)
        best = np.full(len(images), -np.inf)
        decisions = np.zeros(len(images), dtype=np.int64)
        for index, model in enumerate(progress(self.models, verbose)):
            log_prior = self.log_priors_[index]
            scores = class_log_likelihood(model, levels, best - log_prior) + log_prior
            # Strictly better: on a tie the earlier class stays, as np.argmax has it.
            wins = scores > best
            best[wins], decisions[wins] = scores[wins], index
        return decisions

    def score(self, images, labels, moves=()):
        """The share of images whose predicted class is their label."""
        return float(np.mean(self.predict(images, moves) == labels))

    def sample(self, label, num_images=1, seed=None, temperature=1.0, verbose=0):
        """Images of levels drawn from the model of class label (a position)."""
        return self.models[label].sample(num_images, seed, temperature, verbose)

    def complete(self, label, images, given_rows, num_completions, seed=None, temperature=1.0,
                 verbose=0):
        """num_completions of each uint8 image by the model of class label,
        its first given_rows rows kept (ClassModel.complete)."""
        if not 0 <= given_rows <= self.info.image_size:
            raise UsageError(f'given_rows {given_rows!r} is not a row count within '
                             f'0-{self.info.image_size}, the models\' image size')
        return self.models[label].complete(self.levels(images)[0], given_rows, num_completions,
                                           seed, temperature, verbose)


def progress(models, verbose):
    """models, with Keras's progress bar over them where verbose."""
    if not verbose:
        yield from models
        return
    import keras
    bar = keras.utils.Progbar(len(models), verbose=verbose, unit_name='model')
    for index, model in enumerate(models):
        yield model
        bar.update(index + 1)


def class_log_likelihood(model, levels_by_move, floor=None):
    """Log-likelihood in nats of each image under model, given the levels of
    it and of its moves (BayesClassifier.levels): alone, the model's own;
    with moves, the log of the mean of their likelihoods, the image's place
    a latent variable. floor (ClassModel.log_likelihood) with the image
    alone only: a cut-short sum would overstate the mean."""
    if len(levels_by_move) == 1:
        return model.log_likelihood(levels_by_move[0], floor)
    return mixture_log_likelihood([model.log_likelihood(levels) for levels in levels_by_move])


def mixture_log_likelihood(log_likelihoods):
    """Log-likelihood of each image under a mixture with equal weights of the
    components whose log-likelihoods (components, images) are given: the log
    of the mean of their likelihoods, in log space."""
    return logsumexp(log_likelihoods, axis=0) - np.log(len(log_likelihoods))


def log_priors(models):
    """Log class priors from the class shares stored with the models (anything
    with an info); uniform when any model lacks one (the tutorial's own files)."""
    priors = np.array([np.nan if model.info.prior is None else model.info.prior
                       for model in models], dtype=np.float64)
    if np.isnan(priors).any():
        priors = np.ones(len(models))
    return np.log(priors / priors.sum())


def bayes_decision(log_likelihoods, log_priors):
    """Position of the most probable class for each row of (images, classes) log-likelihoods."""
    return np.argmax(log_likelihoods + log_priors, axis=1)


def bits_per_dim(log_likelihoods, num_subpixels):
    """The mean of log_likelihoods (nats) in bits per sub-pixel, negated."""
    return -np.mean(log_likelihoods) / (num_subpixels * np.log(2))


def likeness(info, log_likelihood):
    """The picture's bits/dim under the chosen class's model, in words, with
    whether it lies outside the 1st-99th percentiles of the class's held-out
    images (recorded in the file): above, unlike them; below, simpler. A
    generative model can give a simple picture of another kind (a blank
    page) a higher likelihood than its own class's, so both tails say the
    model was not made for the picture (Nalisnick et al., 2019)."""
    bits = bits_per_dim(np.array([log_likelihood]), info.num_subpixels)
    if info.held_out_bits_99 is not None and bits > info.held_out_bits_99:
        return (f'{bits:.2f} bits/dim, unlike the training images (99% of images of its class '
                f'that the model did not train on stay under {info.held_out_bits_99:.2f})')
    if info.held_out_bits_1 is not None and bits < info.held_out_bits_1:
        return (f'{bits:.2f} bits/dim, simpler than the training images (99% of images of its '
                f'class that the model did not train on stay above {info.held_out_bits_1:.2f})')
    return f'{bits:.2f} bits/dim'
