"""Running a script: its errors as one line and an exit status, its stops, its progress."""
import errno
import os
import signal
import sys

from pixel_rnn import startup
from pixel_rnn.errors import UsageError, shown


def run(main, resumes=False):
    """Run a script's main(), a UsageError one line and exit status 2; SIGTERM
    and SIGHUP stop it as Ctrl-C does, so what it was writing is cleared
    away. resumes: whether the command run again goes on where this stopped."""
    prog = os.path.basename(sys.argv[0])
    closed = startup.reopen_closed_streams()
    if 'stdout' in closed and 'stderr' not in closed:
        print(f'{prog}: warning: standard output is closed; its messages are lost',
              file=sys.stderr)
    again = f' (run {resuming_command()} to resume training)' if resumes else ''
    # Ctrl-C keeps Python's handler, or stays ignored where the run was started so.
    previous = startup.handle(startup.interrupt, (signal.SIGTERM, signal.SIGHUP))
    try:
        main()
    except UsageError as error:
        print(f'{prog}: error: {shown(error)}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as interruption:
        print(f'{prog}: {"stopped" if isinstance(interruption, startup.Stopped) else "interrupted"}'
              f'; every file in place is as before or complete{again}', file=sys.stderr)
        sys.exit(128 + getattr(interruption, 'signum', signal.SIGINT))
    except BrokenPipeError:  # output piped into a reader that stopped, like head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as error:  # a full disk, a folder taken away: the system's, not a bug
        print(f'{prog}: error: {shown(system_error(error, resumes))}', file=sys.stderr)
        sys.exit(1)
    finally:
        startup.restore(previous)


def system_error(error, resumes=False):
    """An OSError in one line; for a full disk, also that nothing was harmed."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f' (writing {error.filename})' if error.filename else ''
        return (f'the disk is full{where}; every file in place is as before or complete '
                '(free some space and run '
                + (f'{resuming_command()}: training resumes where it stopped)' if resumes
                   else 'the same command again)'))
    return ' '.join(str(error).split())


def resuming_command():
    """The command that resumes this training: without --restart, which
    would discard the backup this one made."""
    return ('the command again without --restart' if '--restart' in sys.argv[1:]
            else 'the same command again')


def progress_mode():
    """Keras's verbose: a live bar on a terminal, a line an epoch in a log,
    which the bar's control characters would garble."""
    return 1 if sys.stdout.isatty() else 2
