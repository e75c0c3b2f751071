"""Where a set's model files go, and the files and folders this project keeps
beside them for itself, checked before any work starts that they can be
written (free of Keras).

Beside model_0.h5: model_0.h5.resume/ (its training's backup, each epoch),
model_0.h5.log (a worker's output), and as files.py names them
model_0.h5.lock (held while a run trains it) and model_0.h5.~1~, ~2~... (the
files it replaced). In the models folder: fine_tuning.resume/ (fine-tuning
the set together: its backup, then the new set and install.json, the record
that it is complete).
"""
import os

from pixel_rnn import defaults, files
from pixel_rnn.errors import UsageError

FINE_TUNING_DIR = 'fine_tuning.resume'
INSTALL_RECORD = 'install.json'


def resume_dir(path):
    return path + '.resume'


def log_path(path):
    return path + '.log'


def fine_tuning_dir(models_dir):
    return os.path.join(models_dir, FINE_TUNING_DIR)


def install_record(models_dir):
    return os.path.join(fine_tuning_dir(models_dir), INSTALL_RECORD)


def install_pending(models_dir):
    """Whether models_dir holds a fine-tuned set not yet all in place."""
    return os.path.lexists(install_record(models_dir))


def models_dir(path, default):
    """The models folder --models_dir names (default where not given). A
    relative one is taken from the current folder; where nothing is there
    but the project's trained/ has it, the project's (README's commands name
    the shipped sets so): never another of the project's folders."""
    if path is None:
        return default
    in_the_project = os.path.normpath(os.path.join(defaults.project_dir, path))
    if (not os.path.isabs(path) and not os.path.exists(path) and os.path.exists(in_the_project)
            and os.path.commonpath([in_the_project, defaults.trained_dir])
            == defaults.trained_dir):
        return in_the_project
    return path


def in_project(path):
    """path as README writes it: from the project's folder."""
    return os.path.relpath(path, defaults.project_dir)


def require_models(models_dir, class_names, settings, data=None):
    """Paths of the models of class_names (of settings' data set) in
    models_dir; a missing file names all missing ones and the command that
    trains them (on data, the --data the user gave), or for a set that ships
    with the project, how to restore it."""
    check_set_in_place(models_dir, settings)
    paths = [defaults.model_path(models_dir, name) for name in class_names]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        if os.path.abspath(models_dir) in defaults.SHIPPED_MODELS_DIRS:
            remedy = (f'they ship with the project: restore them with '
                      f'git checkout -- {in_project(os.path.abspath(models_dir))}')
        else:
            absent = [name for name, path in zip(class_names, paths) if path in missing]
            command = (settings.train_one_command.format(absent[0]) if len(absent) == 1
                       else settings.train_all_command)
            remedy = (f'train {"it" if len(absent) == 1 else "them"} with: {command} '
                      f'--models_dir={models_dir}' + (f' --data={data}' if data else ''))
        raise UsageError(f"missing model files: {', '.join(missing)}; {remedy}")
    return paths


def check_set_in_place(models_dir, settings):
    """That models_dir holds no fine-tuned set whose install a run stopped
    midway: neither the old set nor the new, used by nothing until the
    command that finishes it has run."""
    if install_pending(models_dir):
        raise UsageError(f'{models_dir} holds a fine-tuned set not yet all in place (a '
                         f'fine-tuning was stopped as it put the set there); finish it with: '
                         f'{settings.train_all_command} --discriminative '
                         f'--models_dir={models_dir}')


def check_models_dir(models_dir, paths, settings):
    """Fail now, before data is loaded or an epoch spent, where the models
    of paths could not be written in models_dir; checked without making
    anything, so a run refused later leaves no trace."""
    files.check_folder('--models_dir', models_dir)
    check_set_in_place(models_dir, settings)
    # Training writes each of these as a file (folder) of its own, never
    # through a link: what a link points to may be anyone's.
    places = [place for path in paths for place in ((path, False), (resume_dir(path), True),
                                                    (files.lock_path_of(path), False),
                                                    (log_path(path), False))]
    places.append((fine_tuning_dir(models_dir), True))
    for own, folder in places:
        if os.path.islink(own):
            raise UsageError(f'{own} is a symbolic link (to {os.readlink(own)}); training '
                             'writes its own files there: remove the link or give another '
                             '--models_dir')
        if os.path.exists(own) and os.path.isdir(own) != folder:
            raise UsageError(f'{own} is not a {"folder" if folder else "file"}; move it '
                             'away or give another --models_dir')
    for path in paths:
        if os.path.isfile(path):
            files.check_replaceable('--models_dir', path)
