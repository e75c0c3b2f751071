"""A set of model files, one per class of a data set: each read with every
check (loading.read), the set checked to agree with itself and with the data
set, and what sets it apart said, all before any network is built; then the
networks built (the one step that needs Keras)."""
import collections

from pixel_rnn import defaults
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading

# A model as its file holds it, read and checked (loading.read): its network not built yet.
StoredModel = collections.namedtuple('StoredModel', 'path info weights names')
# How a model was trained: what the models of a set are meant to share. Not
# what training measures (description.MEASURED), nor what models trained
# alike differ in all the same (prior, num_images, seed), nor what read_set
# and mixed_architectures check (the summary's head).
TRAINING_FIELDS = ('deskew', 'epochs', 'data_source', 'skip', 'shifts', 'mirror',
                   'fine_tuning_epochs', 'fine_tuning_weight', 'batch_size')


def read_set(models_dir, class_names, settings):
    """The StoredModels of the classes class_names of settings' data set in
    models_dir, checked to agree with each other and with the data set."""
    stored = [StoredModel(path, *loading.read(path))
              for path in (defaults.model_path(models_dir, name) for name in class_names)]
    for model, name in zip(stored, class_names):
        info = model.info
        if info.dataset != settings.name:
            raise UsageError(f'{model.path} models {info.dataset} {info.class_name}, not '
                             f'{settings.name}; give a --models_dir of {settings.name} models')
        if info.class_name != name:
            raise UsageError(f'{model.path} models class {info.class_name!r}, not {name!r}; '
                             'rename or retrain it')
    first = shape_and_levels(stored[0].info)
    for model in stored[1:]:
        if shape_and_levels(model.info) != first:
            raise UsageError(f'the models of {models_dir} disagree: {stored[0].path} is '
                             f'{first}, {model.path} is {shape_and_levels(model.info)}; '
                             'retrain them alike')
    return stored


def built(stored):
    """ClassModels of StoredModels (read_set's, before Keras started)."""
    return [loading.build(model.path, model.info, model.weights, model.names) for model in stored]


def load_models(models_dir, class_names, settings):
    """The ClassModels of read_set's models."""
    return built(read_set(models_dir, class_names, settings))


def shape_and_levels(info):
    return (f'{info.image_size}x{info.image_size} {"colour" if info.colours > 1 else "grey"} '
            f'with {info.levels} levels{", deskewed" if info.deskew else ""}')


def mixed_architectures(models):
    """Which classes have which architecture, where the models (anything
    with an info) are not all of one (likelihoods of different architectures
    compare, but such a set is rarely meant); None where they are."""
    classes_by_arch = {}
    for model in models:
        classes_by_arch.setdefault(model.info.arch, []).append(model.info.class_name)
    if len(classes_by_arch) == 1:
        return None
    return '; '.join(f"{arch} for {', '.join(names)}" for arch, names in classes_by_arch.items())


def differently_trained(models):
    """The models of a set (anything with an info) that were not trained as
    most of them were (a class retrained with other flags, say), each with
    how it differs, in words; None where they all were trained alike."""
    trainings = [tuple(getattr(model.info, field) for field in TRAINING_FIELDS)
                 for model in models]
    usual = collections.Counter(trainings).most_common(1)[0][0]
    odd = []
    for model, training in zip(models, trainings):
        if training != usual:
            changes = [f'{field} {mine}, not {theirs}'
                       for field, mine, theirs in zip(TRAINING_FIELDS, training, usual)
                       if mine != theirs]
            odd.append(f"{model.info.class_name} ({'; '.join(changes)})")
    return ', '.join(odd) or None
