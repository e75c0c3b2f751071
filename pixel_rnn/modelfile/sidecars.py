"""Where a model file's companions live: the files and folders this project
keeps beside a model file, or in a models folder, for itself. Named here
alone; free of Keras.

Beside model_0.h5: model_0.h5.resume/ (its training's backup, each epoch),
model_0.h5.lock (held while a run trains it), model_0.h5.log (a worker's
output) and model_0.h5.~1~, ~2~... (the files it replaced). In the models
folder: fine_tuning.resume/ (fine-tuning the set together: its backup, then
the new set and install.json, the record that it is complete).
"""
import os

FINE_TUNING_DIR = 'fine_tuning.resume'
INSTALL_RECORD = 'install.json'


def resume_dir(path):
    return path + '.resume'


def lock_path(path):
    return path + '.lock'


def log_path(path):
    return path + '.log'


def own_places(path):
    """Each place training writes as its own for the model file at path,
    with whether it is a folder."""
    return ((path, False), (resume_dir(path), True), (lock_path(path), False),
            (log_path(path), False))


def fine_tuning_dir(models_dir):
    return os.path.join(models_dir, FINE_TUNING_DIR)


def install_record(models_dir):
    return os.path.join(fine_tuning_dir(models_dir), INSTALL_RECORD)


def install_pending(models_dir):
    """Whether models_dir holds a fine-tuned set not yet all in place."""
    return os.path.lexists(install_record(models_dir))
