"""Say what model files hold: class, size, levels, architecture, training and prior."""
import glob
import os

import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('paths', nargs='*',
                        help='model files, or folders of them (default: every folder under '
                             'trained/)')
    args = parser.parse_args()
    # A relative path found only in the project is the project's, as for --models_dir.
    args.paths = ([cli.models_dir(path, None) for path in args.paths] or
                  sorted(glob.glob(os.path.join(glob.escape(config.trained_dir), '*', ''))))
    return args


def model_files(path):
    if os.path.isdir(path):
        return sorted(glob.glob(os.path.join(glob.escape(path), config.model_file.format('*'))))
    if os.path.isfile(path):
        return [path]
    raise cli.UsageError(f'{path}: no such file or folder; give model files or folders')


def how_trained(info):
    """What a record holds besides its summary: the run's settings."""
    settings = [f'batch {info.batch_size}' if info.batch_size is not None else None,
                f'seed {info.seed}' if info.seed is not None else None,
                'no training loss recorded' if info.epochs is not None and info.loss is None
                else None,
                f'written by Keras {info.keras_version}' if info.keras_version else None]
    return ', '.join(setting for setting in settings if setting)


def main():
    args = parse_args()
    cli.start_keras()
    import modelfile
    from models import counted

    for path in args.paths:
        files = model_files(path)
        print(f'{os.path.normpath(path)}: {counted(len(files), "model file")}'
              if os.path.isdir(path) else path)
        for file in files:
            info = modelfile.read_info(file)
            print(f'  {os.path.basename(file)}: '
                  f'{info.summary() if info else "does not say what it models"}')
            if info and how_trained(info):
                print(f'    {how_trained(info)}')


if __name__ == '__main__':
    cli.run(main)
