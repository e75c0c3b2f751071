"""A fine-tuned set put in place: the new models written whole into the
fine-tuning folder, then the record that they are complete (install.json,
their names only), and only then moved over the old ones, which are kept.
A run stopped in between finishes it when started again, from any folder,
reading all back as untrusted. (A journal, not a folder's rename: the set's
files live among others in a folder the user names.) With --restart, the
models a set was fine-tuned from are put back from beside it.
"""
import dataclasses
import json
import os
import re
import shutil

from pixel_rnn import defaults, files
from pixel_rnn.description import counted
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, places, saving
from pixel_rnn.training.one_class import held_out_record

# The way out where a fine-tuning's state is not what this project wrote.
DISCARD = ('add --restart to discard it, put back the models the set was fine-tuned from and '
           'fine-tune again')


def write_new_models(models, weight, epochs, models_dir, held_out=None):
    """Write the fine-tuned models into the fine-tuning folder, their bits/dim
    on held_out (levels per model; None: none, those of before no longer
    hold) recorded, then the record that the new set is complete."""
    names = [defaults.model_file.format(model.info.class_name) for model in models]
    for model, name, levels in zip(models, names, held_out or [None] * len(models)):
        model.info = dataclasses.replace(model.info, fine_tuning_weight=float(weight),
                                         fine_tuning_epochs=epochs,
                                         **held_out_record(model, levels))
        saving.save(model, os.path.join(places.fine_tuning_dir(models_dir), name))
    # Names only, never paths: the record holds wherever the folder is and
    # whatever folder a later run starts from.
    files.write_whole(places.install_record(models_dir), json.dumps(
        dict(files=names, weight=float(weight), epochs=epochs)).encode())


def install_set(models_dir, class_names):
    """Move the new set in models_dir's fine-tuning folder over the models
    of class_names, keeping those, and clear the folder; every new model
    checked before any is moved."""
    record = read_install_record(models_dir, class_names)
    folder = places.fine_tuning_dir(models_dir)
    words = f'{counted(record["epochs"], "epoch")}, density weight {record["weight"]:g}'
    moves = []
    for name, file in zip(class_names, record['files']):
        new, path = os.path.join(folder, file), os.path.join(models_dir, file)
        # A file the record names is in the folder, else already in its place.
        info = (loading.check(new, own=DISCARD) if os.path.lexists(new)
                else loading.read_info(path))
        if info is None or info.class_name != name or fine_tuned(info) != (record['weight'],
                                                                          record['epochs']):
            raise UsageError(f'{folder} holds no new model of class {name} for its set '
                             f'({words}); {DISCARD}')
        if os.path.lexists(new):
            moves.append((new, path))
    kept = [kept for new, path in moves if (kept := files.replace_keeping_old(new, path))]
    shutil.rmtree(folder)
    print(f'Saved the fine-tuned models in {models_dir} ({words})'
          + (f'; the files they replaced are kept beside them ({os.path.basename(kept[0])} '
             'and so on)' if kept else ''))


def read_install_record(models_dir, class_names):
    """models_dir's install record, read as untrusted: files (the file names
    of class_names' models), weight and epochs; else a UsageError."""
    folder, path = places.fine_tuning_dir(models_dir), places.install_record(models_dir)
    files.check_own_folder(folder, 'fine-tuning keeps its own state')
    record = files.read_record(path, DISCARD)
    names = [defaults.model_file.format(name) for name in class_names]
    if not (record and sorted(record) == ['epochs', 'files', 'weight']
            and record['files'] == names and type(record['weight']) in (int, float)
            and type(record['epochs']) is int):
        raise UsageError(f'{path} is not the record of a fine-tuning of the models of '
                         f'{models_dir} ({", ".join(names[:2])}...); {DISCARD}')
    return record


def finish_pending(models_dir, class_names, restart=False):
    """Finish the install a run stopped midway; with restart, a damaged
    record's folder is discarded instead (then put_back_originals repairs)."""
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


def fine_tuned(info):
    """(weight, epochs) of the fine-tuning info records, or None."""
    return None if info.fine_tuning_epochs is None else (info.fine_tuning_weight,
                                                         info.fine_tuning_epochs)


def put_back_originals(models_dir, models, restart):
    """With restart, put back in place of each fine-tuned model of models
    the model it was fine-tuned from (kept beside it), keeping it in turn;
    every file checked before any is moved. Without, refused saying why."""
    done = [model for model in models if fine_tuned(model.info)]
    if not restart:
        alike = {fine_tuned(model.info) for model in models}
        if len(alike) == 1:
            weight, epochs = alike.pop()
            what = (f'the models of {models_dir} are fine-tuned already '
                    f'({counted(epochs, "epoch")}, density weight {weight:g})')
        else:
            names = ', '.join(defaults.model_file.format(model.info.class_name)
                              for model in done)
            what = (f'the set of {models_dir} is mixed: {names} fine-tuned, the others not (an '
                    'install stopped midway by an earlier version)')
        raise UsageError(f'{what}; add --restart to put back the models they were fine-tuned '
                         'from (kept beside them) and fine-tune those')
    moves = [(original(path, model.info), path) for model in done
             for path in [defaults.model_path(models_dir, model.info.class_name)]]
    for kept, path in moves:
        files.replace_keeping_old(kept, path)
    print(f'Put back the models the set was fine-tuned from ({len(moves)} of '
          f'{len(models)}); the fine-tuned ones are kept beside them')


def original(path, info):
    """The newest file kept beside path (path.~N~) holding info's model
    before its fine-tuning, read through the checked reader."""
    before = dataclasses.replace(info, fine_tuning_weight=None, fine_tuning_epochs=None)
    folder, name = os.path.split(path)
    numbers = [int(match.group(1)) for match in (
        re.fullmatch(re.escape(name) + r'\.~(\d+)~', entry) for entry in os.listdir(folder or '.'))
        if match]
    for number in sorted(numbers, reverse=True):
        try:
            if loading.check(f'{path}.~{number}~', own='skipped').same_training(before):
                return f'{path}.~{number}~'
        except UsageError:  # damaged or another model: an older file may hold it
            continue
    raise UsageError(f'no file kept beside {path} holds the model it was fine-tuned from; '
                     f'train class {info.class_name} again, or give a --models_dir of a set '
                     'trained class by class')
