"""A training's backup: its network's weights and its optimizer's state, in
the file network.save_weights writes, made and read in memory; read back
with the checks a model file gets (loading.py's), before Keras sees a byte."""
import io

import h5py
import numpy as np

from pixel_rnn import files
from pixel_rnn.modelfile.loading import READ_ERRORS, chunks_missing, storage_problem


class WeightsImage(io.BytesIO):
    """A .weights.h5 file in memory, which Keras's save_weights writes and
    load_weights reads as a file of that name (they go by the name's end).
    A backup's weights go through no file of their own: never through
    TMPDIR, a disk of its own that may be small or full (where HDF5 has
    crashed the process), and on the models' full disk the one failure is
    writing their bytes, a plain OSError."""

    def __str__(self):
        return 'backup.weights.h5'


def weights_image(network):
    """The bytes of the file network.save_weights writes (its weights and
    its optimizer's state), made in memory."""
    image = WeightsImage()
    network.save_weights(image)
    return image.getvalue()


# What a backup of the weights (network.save_weights' file) holds: the
# weights and the optimizer's state in floats, its step count a whole number.
BACKUP_DTYPES = (np.dtype('float32'), np.dtype('int64'))


def load_weights(network, path):
    """Load into network the weights and optimizer state of the backup at
    path, a file this project wrote in network.save_weights' format, after
    the checks a model file gets: a regular file, not a link, every array
    stored in the file itself, no more values than the network and its
    optimizer hold, all finite. Keras reads the checked bytes, in memory,
    so nothing can be swapped in between. ValueError saying what is wrong."""
    # The weights, Adam's two moments of each, and a few counters.
    limit = 3 * network.count_params() + 1024
    data = files.read_own(path, limit * 8 + 2**20)
    try:
        with h5py.File(io.BytesIO(data), 'r') as f:
            check_backup_arrays(f, limit)
    except READ_ERRORS as error:
        raise ValueError(f'is not a readable weights file ({error})') from None
    try:
        network.load_weights(WeightsImage(data))
    except ValueError as error:  # arrays of other shapes or counts
        raise ValueError(f'does not fit the network ({error})') from None


def check_backup_arrays(f, limit):
    """ValueError unless every member of f is reached by a hard link, each
    once, and its arrays hold at most limit finite numbers stored in f."""
    names = []

    def visit(name, link):
        names.append(name)
        # Anything but None stops the walk (an exception raised in it would not).
        return None if isinstance(link, h5py.HardLink) else name
    foreign = f.visititems_links(visit)
    if foreign:
        raise ValueError(f'holds {foreign!r} as a link, not in the file')
    seen, datasets = set(), []
    for name in names:
        member = f[name]
        if member.id in seen:
            raise ValueError(f'holds {name!r} under two names')
        seen.add(member.id)
        if isinstance(member, h5py.Dataset):
            datasets.append((name, member))
    if sum(dataset.size for _, dataset in datasets) > limit:
        raise ValueError(f'holds more values than the network and its optimizer ({limit:,})')
    for name, dataset in datasets:
        problem = storage_problem(dataset, BACKUP_DTYPES) or (
            'leaves parts of its values unwritten' if chunks_missing(dataset) else None)
        if problem or dataset.id.get_storage_size() < dataset.size * dataset.dtype.itemsize:
            raise ValueError(f'holds weight {name!r}, which '
                             f'{problem or "is not all stored in the file"}')
        if not np.isfinite(dataset[()]).all():
            raise ValueError(f'holds weight {name!r}, whose values are not all finite')
