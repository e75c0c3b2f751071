"""Say what model files hold: class, size, levels, architecture, training and prior.

Exit status 2 where a file is one the other scripts would refuse."""
import glob
import os

import cli
import config


def parse_args():
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('paths', nargs='*',
                        default=[config.mnist_models_dir, config.cifar_models_dir],
                        help='model files, or folders of them')
    return parser.parse_args()


def model_files(path):
    if os.path.isdir(path):
        return sorted(glob.glob(os.path.join(glob.escape(path), config.model_file.format('*'))))
    if os.path.isfile(path):
        return [path]
    raise cli.UsageError(f'{path}: no such file or folder; give model files or folders')


def main():
    args = parse_args()
    cli.start_keras()
    import modelfile

    refused = []
    for path in args.paths:
        files = model_files(path)
        print(f'{path}: {len(files)} model files' if os.path.isdir(path) else path)
        for file in files:
            try:  # every check loading makes, weights included, so a file listed is usable
                summary = modelfile.check(file).summary()
            except cli.UsageError as error:
                refused.append(str(error))
                summary = f'refused: {error}'
            print(f'  {os.path.basename(file)}: {summary}', flush=True)
    if refused:
        others = f' (and {len(refused) - 1} more refused)' if len(refused) > 1 else ''
        raise cli.UsageError(refused[0] + others)


if __name__ == '__main__':
    cli.run(main)
