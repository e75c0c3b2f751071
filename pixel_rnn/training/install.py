"""Putting a fine-tuned set in place: the new models are written whole into
the fine-tuning folder first, then a record that they are complete
(install.json, their names only), and only then do they replace the old
ones, all together, the replaced files kept. A run stopped in between
finishes the install when started again, from any folder: the record and
every new model are read back as untrusted.

A journal, not one rename of a folder: the set's files live among others
in a folder the user names (the files they replace, kept beside them; other
runs' backups), which a rename of the folder would take along, and POSIX
renames no folder over one that is not empty.
"""
import dataclasses
import json
import os
import shutil

from pixel_rnn import defaults, files
from pixel_rnn.description import counted
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, places, saving
from pixel_rnn.training.one_class import held_out_record


def write_new_models(models, weight, epochs, models_dir, held_out=None):
    """Write each fine-tuned model whole into the fine-tuning folder, under
    its file's name, with its bits/dim on held_out (levels per model, or
    None: no such figures, as those of before fine-tuning no longer hold),
    then the record that the new set is complete: from that record on, the
    set is put in place by install."""
    for model, levels in zip(models, held_out or [None] * len(models)):
        model.info = dataclasses.replace(model.info, fine_tuning_weight=float(weight),
                                         fine_tuning_epochs=epochs,
                                         **held_out_record(model, levels))
        saving.save(model, os.path.join(places.fine_tuning_dir(models_dir),
                                        defaults.model_file.format(model.info.class_name)))
    # Names only, never paths: the record holds wherever the folder is and
    # whatever folder a later run starts from.
    record = dict(files=[defaults.model_file.format(model.info.class_name) for model in models],
                  weight=float(weight), epochs=epochs)
    files.write_whole(places.install_record(models_dir), json.dumps(record).encode())


def install_set(models_dir, class_names):
    """Put the new set that models_dir's fine-tuning folder holds in place
    of the models of class_names, keeping the files they replace, and clear
    the folder; a run stopped midway finishes it when started again. Every
    new model is read through the checked reader before any is moved."""
    record = read_install_record(models_dir, class_names)
    folder = places.fine_tuning_dir(models_dir)
    moves = []
    for name, file in zip(class_names, record['files']):
        new, path = os.path.join(folder, file), os.path.join(models_dir, file)
        # A file the record names is in the folder, else already in its place.
        info = (loading.check(new, own=DISCARD) if os.path.lexists(new)
                else loading.read_info(path))
        if (info is None or info.class_name != name or (info.fine_tuning_weight,
                                                        info.fine_tuning_epochs)
                != (record['weight'], record['epochs'])):
            raise UsageError(
                f'{folder} holds no new model of class {name} for its set ({record_words(record)})'
                f'; {DISCARD}')
        if os.path.lexists(new):
            moves.append((new, path))
    kept = [files.replace_keeping_old(new, path) for new, path in moves]
    shutil.rmtree(folder)
    kept = [name for name in kept if name]
    print(f'Saved the fine-tuned models in {models_dir} ({record_words(record)})'
          + (f'; the files they replaced are kept beside them ({os.path.basename(kept[0])} '
             'and so on)' if kept else ''))


# The way out where a fine-tuning's state is not what this project wrote.
DISCARD = ('add --restart to discard it, put back the models the set was fine-tuned from and '
           'fine-tune again')
# install.json holds ten names and two numbers.
MAX_RECORD_BYTES = 2**16


def read_install_record(models_dir, class_names):
    """The install record of models_dir's fine-tuning folder, read as
    untrusted: a dict of files (the file names of the models of
    class_names, in their order), weight and epochs; else a UsageError
    naming what is wrong and the way out."""
    folder, path = places.fine_tuning_dir(models_dir), places.install_record(models_dir)
    problem = files.own_folder_problem(folder)
    if problem:
        raise UsageError(f'{folder} {problem}, where fine-tuning keeps its own state: move it '
                         'away')
    try:
        data = files.read_own(path, MAX_RECORD_BYTES)
    except OSError as error:
        raise UsageError(f'{path} cannot be read ({error.strerror}); {DISCARD}') from None
    except ValueError as error:
        raise UsageError(f'{path} {error}; {DISCARD}') from None
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        record = None
    names = [defaults.model_file.format(name) for name in class_names]
    if not (isinstance(record, dict) and sorted(record) == ['epochs', 'files', 'weight']
            and record['files'] == names and is_number(record['weight'])
            and isinstance(record['epochs'], int) and not isinstance(record['epochs'], bool)):
        raise UsageError(f'{path} is not the record of a fine-tuning of the models of '
                         f'{models_dir} ({", ".join(names[:2])}...); {DISCARD}')
    return record


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def record_words(record):
    return f'{counted(record["epochs"], "epoch")}, density weight {record["weight"]:g}'


def finish_pending(models_dir, class_names, restart=False):
    """Where a run stopped as it put its new set in place, finish that; with
    restart, a fine-tuning folder whose record is damaged is discarded
    instead (the models in place are then put back by put_back_originals)."""
    if not places.install_pending(models_dir):
        return
    try:
        read_install_record(models_dir, class_names)
    except UsageError:
        if not restart:
            raise
        print(f'Discarding {places.fine_tuning_dir(models_dir)}, whose record is damaged')
        shutil.rmtree(places.fine_tuning_dir(models_dir))
        return
    print('Finishing the install of the set fine-tuned earlier, stopped as it was put in place')
    install_set(models_dir, class_names)
