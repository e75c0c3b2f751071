"""Crash safety: files written whole or not at all, killed runs' temporaries
cleared, the locks that keep out a second run of a class, the project's own
files read back as untrusted, and places checked as writable before work starts."""
import contextlib
import errno
import fcntl
import json
import os
import re
import socket
import stat
import sys

from pixel_rnn.errors import UsageError


def write_whole(path, data, keep_old_file=False):
    """Write the bytes data to path, whole or not at all: through a temporary
    beside it, on the disk before it takes path's place. With keep_old_file,
    a file at path is kept under old_name(path), which is returned. A system
    error (a full disk) names path."""
    folder = os.path.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    # A run killed while writing path (SIGKILL, a power cut) left its temporary.
    remove_stale_temporaries(folder, re.escape(os.path.basename(path)))
    temporary = temporary_name(path)
    try:
        # Not through a link that someone left under the name.
        with open(temporary, 'wb', opener=lambda name, flags: os.open(
                name, flags | os.O_NOFOLLOW, 0o666)) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if keep_old_file:
            return replace_keeping_old(temporary, path)
        os.replace(temporary, path)
    except OSError as error:
        if error.errno:
            raise OSError(error.errno, os.strerror(error.errno), path) from None
        raise
    finally:
        remove_quietly(temporary)


def replace_keeping_old(source, path):
    """Move the complete file source to path, a file there kept under
    old_name(path) (returned, or None): a hard link keeps it before path is
    replaced, so it is never in neither place."""
    kept = keep_old(path) if os.path.lexists(path) else None
    os.replace(source, path)
    return kept


def old_name(path):
    """Where a replaced file is kept: model_0.h5.~1~, ~2~, ... (as GNU cp numbers backups)."""
    number = 1
    while os.path.lexists(f'{path}.~{number}~'):
        number += 1
    return f'{path}.~{number}~'


def keep_old(path):
    while True:
        kept = old_name(path)
        with contextlib.suppress(FileExistsError):
            os.link(path, kept, follow_symlinks=False)
            return kept


def temporary_name(path):
    """A name beside path, of this process on this host, keeping path's
    suffix (which tells the libraries that write it the format)."""
    stem, suffix = os.path.splitext(path)
    if path.endswith('.weights.h5'):
        stem, suffix = path[:-len('.weights.h5')], '.weights.h5'
    return f'{stem}.{os.getpid()}@{socket.gethostname()}.tmp{suffix}'


def remove_quietly(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def remove_stale_temporaries(folder, names):
    """Remove the temporaries that dead processes of this host left in folder
    (not its subfolders) writing files whose names match the regular
    expression names; nothing else. Where machines share a folder, each
    clears only its own."""
    temporary = re.compile(r'(.+)\.(\d+)@' + re.escape(socket.gethostname())
                           + r'\.tmp((?:\.weights)?\.[A-Za-z0-9]+)?')
    if not os.path.isdir(folder):
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            match = temporary.fullmatch(entry.name)
            if (match and re.fullmatch(names, match.group(1) + (match.group(3) or ''))
                    and entry.is_file(follow_symlinks=False)
                    and not process_alive(int(match.group(2)))):
                remove_quietly(entry.path)


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except PermissionError:  # someone else's process
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


# ---------------------------------------------------------------- locks

def lock_path_of(path):
    return path + '.lock'


@contextlib.contextmanager
def locked(paths):
    """Within the block, hold the lock beside each model file of paths
    (model_0.h5.lock): a second run of one of those classes is refused at
    its start; a killed run's locks the system drops. Gives the lock files'
    descriptors: held while any process with one open lives (the workers)."""
    with contextlib.ExitStack() as locks:
        yield [locks.enter_context(lock(path)) for path in paths]


@contextlib.contextmanager
def lock(path):
    lock_path = lock_path_of(path)
    os.makedirs(os.path.dirname(lock_path) or '.', exist_ok=True)
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise UsageError(f'{path} is being trained by another run now (it holds '
                             f'{lock_path}); wait for that run to end, or stop it') from None
        except OSError as error:  # a file system without locks (some network ones)
            print(f'warning: cannot lock {lock_path} ({error.strerror}); a second run of this '
                  'class at the same time would not be refused', file=sys.stderr)
            break
        # The lock of a file that its holder removed as it ended keeps nobody out.
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(descriptor), os.lstat(lock_path)):
                break
        os.close(descriptor)
    try:
        yield descriptor
    finally:
        remove_quietly(lock_path)
        os.close(descriptor)


def read_own(path, limit):
    """The bytes of path, a file this project wrote, read back as anyone's:
    a regular file (a FIFO would block, a device never end), not a link, of
    at most limit bytes; else a UsageError saying what it is. The system's
    errors (but for a missing file) are raised as they are."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            status = os.fstat(descriptor)
            problem = (f'is {kind(status.st_mode)}, not a file'
                       if not stat.S_ISREG(status.st_mode) else
                       f'is {status.st_size:,} bytes, more than such a file ever is ({limit:,})'
                       if status.st_size > limit else None)
            if not problem:
                with os.fdopen(descriptor, 'rb', closefd=False) as f:
                    return f.read(limit + 1)
        finally:
            os.close(descriptor)
    except OSError as error:
        # A link or a missing file is the file's fault; any other error the
        # system's (a failing disk, no descriptors left), which may pass: a
        # backup is not called damaged, nor its discarding advised, for it.
        if error.errno not in (errno.ELOOP, errno.ENOENT):
            raise
        problem = ('is a symbolic link' if error.errno == errno.ELOOP  # O_NOFOLLOW's answer
                   else f'cannot be read ({error.strerror})')
    raise UsageError(f'{path} {problem}')


def read_record(path, remedy, limit=2**16):
    """The JSON object in path (a record of a few hundred bytes that this
    project wrote), read by read_own; None where it holds none. Where it
    cannot be read, a UsageError says why, then remedy."""
    try:
        data = read_own(path, limit)
    except UsageError as error:
        raise UsageError(f'{error}; {remedy}') from None
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


KINDS = ((stat.S_ISDIR, 'a folder'), (stat.S_ISFIFO, 'a FIFO (named pipe)'),
         (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
         (stat.S_ISSOCK, 'a socket'), (stat.S_ISREG, 'a file'), (stat.S_ISLNK, 'a symbolic link'))


def kind(mode):
    """What a stat mode is, in words: 'a file', 'a folder', 'a FIFO (named pipe)'..."""
    return next((words for test, words in KINDS if test(mode)), 'not a file')


def check_own_folder(path, what):
    """That path, a folder of this project's state (where what), which it
    clears and writes as its own, is a folder or missing: never a link."""
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if not stat.S_ISDIR(mode):
            raise UsageError(f'{path} is {kind(mode)}, not a folder, where {what}: move it away')


# ---------------------------------------------------------------- checked before work starts

# Bytes to spare beyond a folder's path for the names written in it
# (model_automobile.h5.resume/epoch_00001.<process>@<host>.tmp.weights.h5).
ROOM_FOR_NAMES = 160


def check_folder(flag, folder):
    """That folder, the value of flag, can be made and written in (checked
    without making anything)."""
    existing = existing_part(folder)
    if not os.path.isdir(existing):
        raise UsageError(f'{flag} {folder}: {existing} is a file; give a folder')
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f'{flag} {folder}: cannot write in {existing}; '
                         'give a folder you can write to')
    check_lengths(flag, folder, existing, ROOM_FOR_NAMES)


def check_replaceable(flag, path):
    """That the file at path can be kept as write_whole keeps it (a hard link,
    at once removed): an immutable one (chattr +i) refused before the work."""
    trial = temporary_name(path)
    try:
        os.link(path, trial, follow_symlinks=False)
    except OSError as error:
        raise UsageError(f'{flag}: {path} cannot be replaced ({error.strerror}), where '
                         'the new file goes; make it writable or give another place') from None
    os.remove(trial)


def existing_part(path):
    """path, or the nearest folder above it that exists."""
    while not os.path.lexists(path):
        path = os.path.dirname(path) or '.'
    return path


def check_lengths(flag, path, existing, room=0):
    """That each name along path, and path with room bytes more, are within
    the limits of existing's file system: refused before any folder is made."""
    longest_name = os.pathconf(existing, 'PC_NAME_MAX')
    for name in path.split(os.sep):
        if len(os.fsencode(name)) > longest_name:
            raise UsageError(f'{flag}: the name {shortened(name)} is {len(os.fsencode(name))} '
                             f'bytes long; this system allows {longest_name}')
    longest_path = os.pathconf(existing, 'PC_PATH_MAX')
    if len(os.fsencode(path)) + room > longest_path:
        raise UsageError(f'{flag} {shortened(path)}: the path is {len(os.fsencode(path))} bytes '
                         f'long; this system allows {longest_path - room} here')


def shortened(text):
    return text if len(text) <= 60 else f'{text[:40]}...{text[-12:]}'
