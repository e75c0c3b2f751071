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
training; the new set is put in place as install.py says.
"""
import dataclasses
import math
import os
import re

import numpy as np

from pixel_rnn import classifier, defaults, files
from pixel_rnn.description import counted
from pixel_rnn.errors import UsageError
from pixel_rnn.images import to_levels
from pixel_rnn.modelfile import loading, sets, places
from pixel_rnn.training import held_out_images, install
from pixel_rnn.training.one_class import (training_record, device_scope, locked,
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


def set_network(models):
    """One Keras model of the networks of models: images of levels (m,
    *shape) -> log-likelihoods in nats (m, classes), the networks' weights
    shared, not copied."""
    import keras
    from keras import ops
    levels = keras.Input(shape=models[0].info.shape, dtype='int32')
    per_class = [model.log_likelihood_network()(levels) for model in models]
    return keras.Model(levels, ops.stack(per_class, axis=1), name='class_set')


def objective(log_priors, weight, num_subpixels, scale=1.0):
    """The loss of fine-tuning, and the metrics an epoch's line shows: the
    posterior's cross-entropy, the training accuracy and the own model's
    bits per sub-pixel, all of (labels, log-likelihoods (m, classes))."""
    from keras import ops
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


def fine_tune_set(dataset, settings, models_dir, weight, epochs, batch_size, num_images,
                  skip=0, seed=None, restart=False, distribute=False, callbacks=(), rate=None,
                  posterior_scale=None):
    """Fine-tune the set of models in models_dir (one per class of dataset,
    of settings' data set) together, on up to num_images training images of
    each class after the first skip, its lock held; rate and posterior_scale
    (None: RATE, POSTERIOR_SCALE) as those say. A set already fine-tuned so
    is left as it is; an interrupted run resumes, and one stopped as it put
    the new set in place finishes that first. restart fine-tunes again from
    the models a fine-tuned set was fine-tuned from (kept beside them)."""
    class_names = dataset.class_names
    with locked([defaults.model_path(models_dir, name) for name in class_names]):
        install.finish_pending(models_dir, class_names, restart)
        models = sets.load_models(models_dir, class_names, settings)
        done = {fine_tuned(model.info) for model in models}
        if done == {(weight, epochs)} and not restart:
            print(f'{models_dir} already holds this fine-tuning ({counted(epochs, "epoch")}, '
                  f'density weight {weight:g}); skipped (--restart fine-tunes it again)')
            return
        if done != {None}:
            if not restart:
                raise UsageError(already_fine_tuned(models_dir, models))
            put_back_originals(models_dir, models)
            models = sets.load_models(models_dir, class_names, settings)
        mixed = sets.mixed_architectures(models)
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
        record = dict(weight=weight, epochs=epochs, batch_size=batch_size, seed=seed,
                   num_images=num_images, skip=skip, data_source=dataset.source,
                   rate=RATE if rate is None else rate,
                   posterior_scale=POSTERIOR_SCALE if posterior_scale is None else posterior_scale,
                   models=[training_record(model.info) for model in models])
        print(f'Fine-tuning the {len(models)} models of {models_dir} together on '
              f'{sum(map(len, levels))} images: {counted(epochs, "epoch")}, density weight '
              f'{weight:g}')
        if seed is not None:
            import keras
            keras.utils.set_random_seed(seed)
        # Measured again on the class's test images: those of its own training no longer hold.
        held_out = [to_levels(held_out_images(dataset, label), model.info)
                    for label, model in enumerate(models)]
        fit_and_install(models, classifier.log_priors(models), models_dir,
                        np.concatenate(levels), np.concatenate(labels), weight, epochs,
                        batch_size, record, restart, distribute, callbacks, held_out)


def finish_set(models_dir, class_names, restart=False):
    """Put in place a fine-tuned set of models_dir whose install a run
    stopped midway, if there is one (needing no data), its lock held; with
    restart, one whose record is damaged is discarded instead."""
    with locked([defaults.model_path(models_dir, name) for name in class_names]):
        install.finish_pending(models_dir, class_names, restart)


def fit_and_install(models, log_priors, models_dir, levels, labels, weight, epochs, batch_size,
                    record, restart=False, distribute=False, callbacks=(), held_out=None):
    """Fine-tune models (a ClassModel per class, in the order of labels'
    numbers, log_priors theirs, each from its file in models_dir) together
    on levels (images, *shape) of classes labels, for epochs; then, each
    measured again on its held_out levels (images of its class it was not
    trained on; None: not measured), put each in its file's place, all
    together, keeping the files they replace. record: a JSON-able record of
    the run (its rate and posterior_scale among it), to which its backups in
    models_dir's fine-tuning folder are tied: one interrupted goes on from
    its last epoch when started again the same way."""
    import keras
    from pixel_rnn.training.callbacks import ResumableBackup, StopBetweenBatches
    backup = ResumableBackup(places.fine_tuning_dir(models_dir), record, restart)
    if backup.epoch:
        print(f'Resuming after epoch {backup.epoch} of {epochs} from {backup.backup_dir}')
    with device_scope(distribute), StopBetweenBatches() as stop:
        network = set_network(models)
        steps = epochs * math.ceil(len(levels) / batch_size)
        loss, metrics = objective(log_priors, weight, models[0].info.num_subpixels,
                                  record['posterior_scale'])
        network.compile(keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(record['rate'], decay_steps=steps),
            clipnorm=1.0),
            loss=loss, metrics=metrics)
        # Its variables made now, not lifted out of the first step as Keras traces
        # it: a second less for three small PixelCNNs, the same training.
        network.optimizer.build(network.trainable_variables)
        network.fit(levels.astype('int32'), labels.astype('int32'), batch_size=batch_size,
                    epochs=epochs, callbacks=[backup, *callbacks, stop], verbose=progress_mode(),
                    initial_epoch=backup.epoch)
    install.write_new_models(models, weight, epochs, models_dir, held_out)
    install.install_set(models_dir, [model.info.class_name for model in models])


def fine_tuned(info):
    """(weight, epochs) of the fine-tuning info records, or None."""
    return None if info.fine_tuning_epochs is None else (info.fine_tuning_weight,
                                                         info.fine_tuning_epochs)


def already_fine_tuned(models_dir, models):
    """The refusal of fine-tuning a set of which some model is fine-tuned."""
    done = [model for model in models if fine_tuned(model.info)]
    weight, epochs = fine_tuned(done[0].info)
    if len(done) == len(models) and {fine_tuned(model.info) for model in done} == {
            (weight, epochs)}:
        what = (f'the models of {models_dir} are fine-tuned already ({counted(epochs, "epoch")}, '
                f'density weight {weight:g})')
    else:
        names = ', '.join(os.path.basename(model_file(models_dir, model)) for model in done)
        what = (f'the set of {models_dir} is mixed: {names} fine-tuned, the others not (an '
                'install stopped midway by an earlier version)')
    return (f'{what}; add --restart to put back the models they were fine-tuned from (kept '
            'beside them) and fine-tune those')


def model_file(models_dir, model):
    return defaults.model_path(models_dir, model.info.class_name)


def put_back_originals(models_dir, models):
    """Put back, in place of each fine-tuned model of models (from
    models_dir), the newest file kept beside it that holds the model it was
    fine-tuned from, keeping the fine-tuned one in turn. Every file is
    checked before any is moved; a class with no such file is a UsageError."""
    moves = []
    for model in models:
        if fine_tuned(model.info):
            path = model_file(models_dir, model)
            moves.append((original(path, model.info), path))
    for kept, path in moves:
        files.replace_keeping_old(kept, path)
    if moves:
        print(f'Put back the models the set was fine-tuned from ({len(moves)} of '
              f'{len(models)}); the fine-tuned ones are kept beside them')


def original(path, info):
    """The newest file kept beside path (path.~N~) that holds the model info
    describes before its fine-tuning, read through the checked reader."""
    before = dataclasses.replace(info, fine_tuning_weight=None, fine_tuning_epochs=None)
    folder, name = os.path.split(path)
    numbers = []
    with os.scandir(folder or '.') as entries:
        for entry in entries:
            match = re.fullmatch(re.escape(name) + r'\.~(\d+)~', entry.name)
            if match:
                numbers.append(int(match.group(1)))
    for number in sorted(numbers, reverse=True):
        kept = f'{path}.~{number}~'
        try:
            if loading.check(kept, own='skipped').same_training(before):
                return kept
        except UsageError:  # damaged or another model: an older file may hold it
            continue
    raise UsageError(f'no file kept beside {path} holds the model it was fine-tuned from; '
                     f'train class {info.class_name} again, or give a --models_dir of a set '
                     'trained class by class')
