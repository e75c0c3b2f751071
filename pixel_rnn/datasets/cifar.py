"""CIFAR-10: colour photographs, 32x32, of ten classes; without --data Keras's download."""
import os
import pickle
import posixpath
import tarfile
import zlib

import numpy as np

from pixel_rnn.datasets import checks, formats, opening
from pixel_rnn.datasets.settings import Settings
from pixel_rnn.errors import UsageError

CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship',
           'truck')
FORMATS = ('cifar-10-python.tar.gz or its cifar-10-batches-py/ folder; an .npz with '
           'x_train (N,32,32,3) uint8, y_train, x_test, y_test; or a folder with '
           'train/<class>/ and test/<class>/ images (extract a tar of such folders first)')
SHAPE = ('N', 32, 32, 3)


def load(path=None):
    """CIFAR-10 from path, else through Keras; there is no bundled copy to fall back on."""
    if path is None:
        return checks.from_keras('cifar10', 'CIFAR-10', CLASSES, SHAPE, FORMATS)
    return formats.load_path(path, FORMATS, CLASSES, SHAPE, batches_at, every_class=True)


def batches_at(path):
    """The four arrays of CIFAR-10's python batches in the tar at path, or in
    the folder or its cifar-10-batches-py/; None where there are none."""
    if not os.path.isdir(path):
        return load_batches(path) if tarfile.is_tarfile(path) else None
    for folder in (path, os.path.join(path, 'cifar-10-batches-py')):
        if any(os.path.lexists(os.path.join(folder, name)) for name in BATCHES):
            return load_batches(folder)
    return None


BATCHES = (*(f'data_batch_{number}' for number in range(1, 6)), 'test_batch')
META = 'batches.meta'
# CIFAR-10's batches are 30 MB each. A pickle is refused above this, before it
# is read: unpickling builds Python objects several times the pickle's size.
MAX_PICKLE_BYTES = 64 * 2**20
# Unpickling calls whatever the file names. CIFAR's batches name only numpy's
# array reconstruction (in numpy.core before NumPy 2, numpy._core since).
PICKLE_GLOBALS = {('numpy.core.multiarray', '_reconstruct'),
                  ('numpy._core.multiarray', '_reconstruct'),
                  ('numpy', 'ndarray'), ('numpy', 'dtype')}


def unpickle(file, size, where):
    """The pickle of size bytes in file, calling only PICKLE_GLOBALS, and numpy's
    _reconstruct only for the empty array numpy pickles an array as before its
    contents: any other shape is memory asked for with nothing to fill it."""
    refused = f'--data: refusing to load {where}: it'
    if size > MAX_PICKLE_BYTES:
        raise UsageError(f'--data: {where} is {size / 2**20:.0f} MiB; a CIFAR-10 batch is '
                         f'30 MB, and a pickle of over {MAX_PICKLE_BYTES // 2**20} MiB is refused')

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) not in PICKLE_GLOBALS:
                raise UsageError(f'{refused} asks for {module}.{name}, and a CIFAR-10 batch '
                                 'needs only numpy arrays')
            found = super().find_class(module, name)

            def empty_array(subtype, shape, dtype):
                if subtype is not np.ndarray or tuple(shape) != (0,):
                    raise UsageError(f'{refused} makes an array of shape {shape} from '
                                     'nothing, which no numpy pickle does')
                return found(subtype, shape, dtype)
            return empty_array if name == '_reconstruct' else found
    try:
        return Unpickler(file, encoding='bytes').load()  # pickled by Python 2: strings are bytes
    except UsageError:
        raise
    except Exception as error:  # a damaged pickle can fail in any number of ways
        raise UsageError(f'--data: {where} is not a readable pickle '
                         f'({type(error).__name__})') from None


def read_batches(path):
    """{file name: unpickled content} of the batch and meta files in the folder
    or tar at path; a tar in one pass: a .tar.gz cannot seek back without
    decompressing again."""
    batches = {}
    if os.path.isdir(path):
        for name in (*BATCHES, META):
            if os.path.lexists(file_path := os.path.join(path, name)):
                with opening.open_data_file(file_path) as file:
                    batches[name] = unpickle(file, os.fstat(file.fileno()).st_size, file_path)
        return batches
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                name = posixpath.basename(member.name)
                if member.isfile() and name in (*BATCHES, META):
                    batches[name] = unpickle(tar.extractfile(member), member.size,
                                             f'{member.name} in {path}')
                if len(batches) == len(BATCHES) + 1:
                    break  # whatever else the tar holds need not be inflated
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise UsageError(f'--data {path}: not a readable tar ({error})') from None
    return batches


def load_batches(path):
    """The four arrays in CIFAR-10's python batches, in the folder or tar at path.
    A batch's rows must be a numpy array, as CIFAR-10's are: its bytes are in
    the file, where a list's rows could be one row repeated by reference,
    gigabytes as an array."""
    batches = read_batches(path)
    missing = [name for name in BATCHES if name not in batches]
    if missing:
        raise UsageError(f"--data {path}: no CIFAR-10 {', '.join(missing)} in it; give {FORMATS}")
    if META in batches:
        check_names(batches[META], f'{META} in {path}')
    images, labels = [], []
    for name in BATCHES:
        batch = batches[name] if isinstance(batches[name], dict) else {}
        rows, batch_labels = batch.get(b'data'), batch.get(b'labels')
        if not (is_array(rows, 2) and rows.shape[1] == 3 * 32 * 32 and (
                is_array(batch_labels, 1) or isinstance(batch_labels, list))
                and len(batch_labels) == len(rows)
                # As many as there are rows, which the file holds: small whatever they repeat.
                and all(isinstance(label, (int, np.integer, float)) for label in batch_labels)):
            raise UsageError(f'--data: {name} in {path} is not a CIFAR-10 batch (a b"data" numpy '
                             'array of rows of 3072 bytes and a b"labels" list as long)')
        # A row holds the 32x32 red plane, then the green, then the blue.
        images.append(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(np.asarray(batch_labels))
    return (np.concatenate(images[:-1]), np.concatenate(labels[:-1]),
            np.ascontiguousarray(images[-1]), labels[-1])


def is_array(value, ndim):
    """Whether value is a numpy array of ndim dimensions, not of Python objects."""
    return isinstance(value, np.ndarray) and value.ndim == ndim and not value.dtype.hasobject


def check_names(meta, where):
    """Refuse metadata naming other classes than CIFAR-10's, or in another order:
    a label is a position among CLASSES, which also name model files."""
    names = meta.get(b'label_names') if isinstance(meta, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, bytes) for name in names):
        raise UsageError(f'--data: {where} has no b"label_names" list of names')
    expected = f"expected CIFAR-10's {', '.join(CLASSES)}, in that order"
    if len(names) != len(CLASSES):
        raise UsageError(f'--data: {where} names {len(names)} classes; {expected}')
    for label, (name, own) in enumerate(zip(names, CLASSES)):
        if name != own.encode():
            # ascii() keeps the message one line whatever the name holds.
            raise UsageError(f'--data: {where} names class {label} {ascii(name)[1:80]}, not '
                             f'{own}; {expected}')


# Shrunk and quantized as the tutorial does MNIST, per channel, to start with.
CIFAR = Settings(
    'cifar', 'CIFAR-10', 'CIFAR-10 colour pictures', 3, CLASSES, picture_size=32,
    target_size=10, max_intensity=6,
    samples_file='cifar_samples_of_{}.png', completions_file='cifar_completions_of_{}.png',
    class_flag='label', class_noun='class',
    class_help='class to model: 0-9 or a name, e.g. cat (default 0, airplane)',
    all_classes='all ten classes', train_command='python train_cifar.py',
    data_help=('local CIFAR-10: cifar-10-python.tar.gz, its cifar-10-batches-py folder, '
               'an .npz, or class folders; default: Keras download'),
    load=load, can_mirror=True)
