"""Fine-tuning a set of class models together so that Bayes' rule tells the
classes apart, each model staying a density of its own class.

Maximum mutual information, as speech recognition trains one model per
word: the loss of an image x of class y is the posterior's cross-entropy,
-log p(y | x) with p(y | x) the softmax over classes c of log p(x | c) + log
prior_c, plus weight times the own model's negative log-likelihood per
sub-pixel, -log p(x | y) / sub-pixels. Every sub-pixel's distribution stays a
softmax whatever the weights, so each model stays a normalised distribution
over images, and classification.py is still exactly Bayes' rule.

One Keras model holds the networks, so a step computes a batch's
log-likelihoods under every class at once. The run resumes as a class's
training does; install.py puts the new set in place.
"""
import math

import numpy as np

from pixel_rnn import classifier, defaults, files
from pixel_rnn.description import counted
from pixel_rnn.errors import UsageError
from pixel_rnn.images import to_levels
from pixel_rnn.modelfile import places, sets
from pixel_rnn.training import class_images, held_out_images, install
from pixel_rnn.training.one_class import device_scope, progress_mode, training_record

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
    """One Keras model of models' networks (their weights shared): levels
    (m, *shape) -> log-likelihoods in nats (m, classes)."""
    import keras
    levels = keras.Input(shape=models[0].info.shape, dtype='int32')
    per_class = [model.log_likelihood_network()(levels) for model in models]
    return keras.Model(levels, keras.ops.stack(per_class, axis=1), name='class_set')


def objective(log_priors, weight, num_subpixels, scale=1.0):
    """The loss, and the metrics an epoch's line shows (the posterior's
    cross-entropy, accuracy, the own model's bits per sub-pixel), all of
    (labels, log-likelihoods (m, classes))."""
    from keras import ops
    log_priors = ops.convert_to_tensor(np.asarray(log_priors, dtype='float32'))

    def parts(labels, log_likelihoods):
        labels = ops.cast(ops.reshape(labels, (-1,)), 'int32')
        own = ops.sum(log_likelihoods * ops.one_hot(labels, log_likelihoods.shape[-1]), axis=-1)
        return labels, log_likelihoods + log_priors, -own / num_subpixels

    def posterior_loss(labels, log_likelihoods):
        labels, scores, _ = parts(labels, log_likelihoods)
        return ops.sparse_categorical_crossentropy(labels, scores, from_logits=True)

    def accuracy(labels, log_likelihoods):
        labels, scores, _ = parts(labels, log_likelihoods)
        return ops.cast(ops.argmax(scores, axis=-1) == labels, 'float32')

    def bits_per_dim(labels, log_likelihoods):
        return parts(labels, log_likelihoods)[2] / math.log(2)

    def loss(labels, log_likelihoods):
        labels, scores, own_nats = parts(labels, log_likelihoods)
        return (ops.sparse_categorical_crossentropy(labels, scale * scores, from_logits=True)
                + weight * own_nats)

    return loss, [posterior_loss, accuracy, bits_per_dim]


def fine_tune_set(dataset, settings, models_dir, weight, epochs, batch_size, num_images,
                  skip=0, seed=None, restart=False, distribute=False, callbacks=(), rate=None,
                  posterior_scale=None):
    """Fine-tune the set in models_dir (a model per class of dataset) together,
    its lock held, on up to num_images training images a class after the
    first skip (rate, posterior_scale None: RATE, POSTERIOR_SCALE). A set
    fine-tuned so already is left as it is; an interrupted run resumes, one
    stopped as it put the set in place finishes that first; restart starts
    again from the models a set was fine-tuned from (kept beside them)."""
    import keras
    from pixel_rnn.training.callbacks import ResumableBackup, StopBetweenBatches
    class_names = dataset.class_names
    with files.locked([defaults.model_path(models_dir, name) for name in class_names]):
        install.finish_pending(models_dir, class_names, restart)
        models = sets.load_models(models_dir, class_names, settings)
        done = {install.fine_tuned(model.info) for model in models}
        if done == {(weight, epochs)} and not restart:
            print(f'{models_dir} already holds this fine-tuning ({counted(epochs, "epoch")}, '
                  f'density weight {weight:g}); skipped (--restart fine-tunes it again)')
            return
        if done != {None}:
            install.put_back_originals(models_dir, models, restart)
            models = sets.load_models(models_dir, class_names, settings)
        mixed = sets.mixed_architectures(models)
        if mixed:
            raise UsageError(f'the models of {models_dir} mix architectures ({mixed}); '
                             'fine-tune a set of one')
        levels, labels = [], []
        for label, model in enumerate(models):
            # The images themselves: their moves measured no better, at nine times the cost.
            levels.append(to_levels(class_images(dataset, label, skip, num_images), model.info))
            labels.append(np.full(len(levels[-1]), label))
        levels, labels = np.concatenate(levels).astype('int32'), np.concatenate(labels)
        rate = RATE if rate is None else rate
        scale = POSTERIOR_SCALE if posterior_scale is None else posterior_scale
        record = dict(weight=weight, epochs=epochs, batch_size=batch_size, seed=seed,
                      num_images=num_images, skip=skip, data_source=dataset.source, rate=rate,
                      posterior_scale=scale,
                      models=[training_record(model.info) for model in models])
        print(f'Fine-tuning the {len(models)} models of {models_dir} together on '
              f'{len(levels)} images: {counted(epochs, "epoch")}, density weight {weight:g}')
        if seed is not None:
            keras.utils.set_random_seed(seed)
        backup = ResumableBackup(places.fine_tuning_dir(models_dir), record, restart)
        if backup.epoch:
            print(f'Resuming after epoch {backup.epoch} of {epochs} from {backup.backup_dir}')
        with device_scope(distribute), StopBetweenBatches() as stop:
            network = set_network(models)
            loss, metrics = objective(classifier.log_priors(models), weight,
                                      models[0].info.num_subpixels, scale)
            steps = epochs * math.ceil(len(levels) / batch_size)
            network.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
                rate, decay_steps=steps), clipnorm=1.0), loss=loss, metrics=metrics)
            # Its variables made now, not lifted out of the first step as Keras traces
            # it: a second less for three small PixelCNNs, the same training.
            network.optimizer.build(network.trainable_variables)
            network.fit(levels, labels.astype('int32'), batch_size=batch_size, epochs=epochs,
                        callbacks=[backup, *callbacks, stop], verbose=progress_mode(),
                        initial_epoch=backup.epoch)
        # Measured again on the class's test images: those of its own training no longer hold.
        held_out = [to_levels(held_out_images(dataset, label), model.info)
                    for label, model in enumerate(models)]
        install.write_new_models(models, weight, epochs, models_dir, held_out)
        install.install_set(models_dir, class_names)


def finish_set(models_dir, class_names, restart=False):
    """install.finish_pending, the set's lock held (needing no data)."""
    with files.locked([defaults.model_path(models_dir, name) for name in class_names]):
        install.finish_pending(models_dir, class_names, restart)
