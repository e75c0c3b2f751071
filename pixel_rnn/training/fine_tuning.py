"""Fine-tuning a set of class models together so that Bayes' rule tells the
classes apart, each model staying a density of its own class.

Maximum mutual information, as speech recognition trains one model per
word: the loss of an image x of class y is the posterior's cross-entropy,
-log p(y | x) with p(y | x) the softmax over classes c of log p(x | c) + log
prior_c, plus weight times the own model's negative log-likelihood per
sub-pixel, -log p(x | y) / sub-pixels. Every sub-pixel's distribution stays a
softmax whatever the weights, so each model stays a normalised distribution
over images, and classification.py is still exactly Bayes' rule.

One Keras model holds the ten networks, so a step computes the ten
log-likelihoods of a batch at once. The run is resumable like a class's
training; the new models are written whole into the backup folder first, and
only when all are complete do they replace the old ones, all together (the
replaced files kept).
"""
import dataclasses
import json
import math
import os
import shutil

import keras
import numpy as np
from keras import ops

from pixel_rnn import files
from pixel_rnn.modelfile import saving
from pixel_rnn.training.one_class import (ResumableBackup, StopBetweenBatches, device_scope,
                                          progress_mode)

# Adam's rate: the set starts trained, and a higher rate (3e-4) has been
# measured to undo more than it gains (the posterior loss spikes).
RATE = 1e-4
# The scores are multiplied by this inside the posterior that is trained (not
# the one classification uses, whose argmax the scale leaves unchanged): below
# 1 it softens the posterior, so that images already told apart still give a
# gradient, as speech recognition scales its acoustic scores. Measured at 0.1
# on MNIST it pulls the densities apart and lowers test accuracy (BENCHMARKS.md).
POSTERIOR_SCALE = 1.0
INSTALL_RECORD = 'install.json'


def set_network(models):
    """One Keras model of the networks of models: images of levels (m,
    *shape) -> log-likelihoods in nats (m, classes), the networks' weights
    shared, not copied."""
    shape = models[0].info.shape
    levels = keras.Input(shape=shape, dtype='int32')
    per_class = [model.architecture.log_likelihood_network(model.network, shape)(levels)
                 for model in models]
    return keras.Model(levels, ops.stack(per_class, axis=1), name='class_set')


def objective(log_priors, weight, num_subpixels, scale=1.0):
    """The loss of fine-tuning, and the metrics an epoch's line shows: the
    posterior's cross-entropy, the training accuracy and the own model's
    bits per sub-pixel, all of (labels, log-likelihoods (m, classes))."""
    log_priors = ops.convert_to_tensor(np.asarray(log_priors, dtype='float32'))

    def labels_and_scores(labels, log_likelihoods):
        return ops.cast(ops.reshape(labels, (-1,)), 'int32'), log_likelihoods + log_priors

    def own_nats_per_subpixel(labels, log_likelihoods):
        labels = ops.cast(ops.reshape(labels, (-1,)), 'int32')
        own = ops.sum(log_likelihoods * ops.one_hot(labels, log_likelihoods.shape[-1]), axis=-1)
        return -own / num_subpixels

    def posterior_loss(labels, log_likelihoods):
        labels, scores = labels_and_scores(labels, log_likelihoods)
        return ops.sparse_categorical_crossentropy(labels, scores, from_logits=True)

    def accuracy(labels, log_likelihoods):
        labels, scores = labels_and_scores(labels, log_likelihoods)
        return ops.cast(ops.argmax(scores, axis=-1) == labels, 'float32')

    def bits_per_dim(labels, log_likelihoods):
        return own_nats_per_subpixel(labels, log_likelihoods) / math.log(2)

    def loss(labels, log_likelihoods):
        labels, scores = labels_and_scores(labels, log_likelihoods)
        return (ops.sparse_categorical_crossentropy(labels, scale * scores, from_logits=True)
                + weight * own_nats_per_subpixel(labels, log_likelihoods))

    return loss, [posterior_loss, accuracy, bits_per_dim]


def fine_tune(models, log_priors, paths, levels, labels, weight, epochs, batch_size,
              backup_dir, run, restart=False, distribute=False, callbacks=()):
    """Fine-tune models (a ClassModel per class, in the order of labels'
    numbers, log_priors theirs) together on levels (images, *shape) of
    classes labels, for epochs; then put each at its path of paths, all
    together, keeping the files they replace. backup_dir holds the run's
    backups, tied by run (a JSON-able record of it) to this run: one
    interrupted goes on from its last epoch when started again the same way."""
    backup = ResumableBackup(backup_dir, run, restart)
    if backup.epoch:
        print(f'Resuming after epoch {backup.epoch} of {epochs} from {backup_dir}')
    with device_scope(distribute), StopBetweenBatches() as stop:
        network = set_network(models)
        steps = epochs * math.ceil(len(levels) / batch_size)
        loss, metrics = objective(log_priors, weight, models[0].info.num_subpixels,
                                  POSTERIOR_SCALE)
        network.compile(keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(RATE, decay_steps=steps), clipnorm=1.0),
            loss=loss, metrics=metrics)
        network.fit(levels.astype('int32'), labels.astype('int32'), batch_size=batch_size,
                    epochs=epochs, callbacks=[backup, *callbacks, stop], verbose=progress_mode())
    write_new_models(models, paths, weight, epochs, backup_dir)
    finish(backup_dir)


def pending(backup_dir):
    """Whether backup_dir holds a complete new set not yet all in place."""
    return os.path.isfile(os.path.join(backup_dir, INSTALL_RECORD))


def finish(backup_dir):
    """Put the new set of backup_dir in place and clear the backup."""
    kept = install_new_models(backup_dir)
    shutil.rmtree(backup_dir)
    print(f'Saved the fine-tuned models in {os.path.dirname(backup_dir) or "."}'
          + (f'; the files they replaced are kept beside them ({os.path.basename(kept[0])} '
             'and so on)' if kept else ''))


def write_new_models(models, paths, weight, epochs, backup_dir):
    """Write each fine-tuned model whole into backup_dir, then the record of
    where each goes: from that record on, the new set is complete."""
    places = []
    for model, path in zip(models, paths):
        model.info = dataclasses.replace(model.info, fine_tuning_weight=float(weight),
                                         fine_tuning_epochs=epochs)
        written = os.path.join(backup_dir, os.path.basename(path))
        saving.save(model, written)
        places.append([written, path])
    files.write_whole(os.path.join(backup_dir, INSTALL_RECORD), json.dumps(places).encode())


def install_new_models(backup_dir):
    """Put the models written_new_models recorded in their places, keeping
    the files they replace; a run stopped midway finishes it when started
    again. Returns the names the replaced files are kept under."""
    with open(os.path.join(backup_dir, INSTALL_RECORD)) as f:
        places = json.load(f)
    kept = []
    for written, path in places:
        if os.path.exists(written):
            kept.append(files.replace_keeping_old(written, path))
    return [name for name in kept if name]
