"""Say what model files hold: class, size, levels, architecture, training and prior.

Exit status 2 where a file is one the other scripts would refuse."""
import glob
import os
import textwrap

import config
from pixel_rnn import cli, errors, runner
from pixel_rnn.datasets import DATASETS, DEFAULT
from pixel_rnn.errors import shown
from pixel_rnn.modelfile import places


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('paths', nargs='*',
                        help='model files, or folders of them (default: every folder under '
                             'trained/)')
    args = parser.parse_args(argv)
    # A relative path found only in the project is the project's, as for --models_dir.
    args.paths = ([places.models_dir(path, None) for path in args.paths] or
                  sorted(glob.glob(os.path.join(glob.escape(config.trained_dir), '*', ''))))
    return args


WIDTH = 79  # a line of the listing at most, read at a glance in a terminal or a log


def say(text, indent=''):
    """text (shown escaped: it may come from a file) after indent, on lines
    of at most WIDTH columns where it has spaces to break at; a line that
    goes on is indented 6 columns or more."""
    print(textwrap.fill(shown(text), WIDTH, initial_indent=indent,
                        subsequent_indent=' ' * max(6, len(indent) + 4),
                        break_long_words=False, break_on_hyphens=False), flush=True)


def model_files(path):
    """The model files path names: itself, or a folder's, by name."""
    if os.path.isdir(path):
        return sorted(glob.glob(os.path.join(glob.escape(path), config.model_file.format('*'))))
    if os.path.isfile(path):
        return [path]
    raise errors.UsageError(f'{path}: no such file or folder; give model files or folders')


def main():
    args = parse_args()
    # Every check of a model file is h5py's and NumPy's: Keras never starts here.
    from pixel_rnn.modelfile import loading
    from pixel_rnn.description import counted

    refused = []
    for path in args.paths:
        files, folder = model_files(path), os.path.isdir(path)
        if folder:
            say(f'{os.path.normpath(path)}: {counted(len(files), "model file")}')
        dataset = DEFAULT
        for file in files:
            try:  # every check loading makes, weights included, so a file listed is usable
                info = loading.check(file)
            except errors.UsageError as error:
                refused.append(str(error))
                if folder:  # a file given alone is refused by the error line alone
                    say(f'{os.path.basename(file)}: refused: {error}', '  ')
                continue
            if not folder:
                say(path)
            dataset = info.dataset
            say(f'{os.path.basename(file)}: {info.summary()}', '  ')
            no_loss = info.epochs is not None and info.loss is None
            run = ', '.join(filter(None, (info.details(), no_loss and 'no training loss recorded')))
            if run:  # what a record holds besides its summary: the run's settings
                say(run, '    ')
        if folder:
            try:
                places.check_set_in_place(path, DATASETS[dataset])
            except errors.UsageError as error:
                refused.append(str(error))
                say(f'refused: {error}', '  ')
    if refused:
        others = f' (and {len(refused) - 1} more refused)' if len(refused) > 1 else ''
        raise errors.UsageError(refused[0] + others)


if __name__ == '__main__':
    runner.run(main)
