"""Opening what --data or --images names, trusting none of it: a regular file
opened without hanging (never a FIFO or a device), a folder's entries in order,
and an OSError met doing either as a one-line UsageError; cause gives any
error's message in one line, as the data modules' messages quote it."""
import errno
import os

from pixel_rnn import files
from pixel_rnn.errors import UsageError


def cause(error):
    """error's message in one line, or its type's name where it has none."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def unreadable(path, error, flag):
    """The UsageError for an OSError met opening or listing path."""
    if error.errno == errno.ELOOP:
        return UsageError(f'{flag}: {path} is a symlink loop; give a file or folder')
    return UsageError(f'{flag}: cannot read {path} ({error.strerror or cause(error)})')


def open_data_file(path, flag='--data'):
    """path opened for binary reading if it is a regular file (links followed),
    else a UsageError naming it: a FIFO would wait for a writer, and a device
    such as /dev/zero never ends. Opened without waiting, then checked, so
    nothing can be swapped in between."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise unreadable(path, error, flag) from None
    kind = files.kind(os.fstat(descriptor).st_mode)
    if kind != 'a file':
        os.close(descriptor)
        raise UsageError(f'{flag}: {path} is {kind}, not a file')
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, 'rb')


def folder_entries(folder, flag='--data'):
    """The entries of folder, sorted by name, or a UsageError naming it."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        raise unreadable(folder, error, flag) from None
