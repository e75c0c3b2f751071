"""What a large picture costs classification.py --images: the whole command's
time and peak memory with one small picture, and with the small picture and
a large one, each in a process of its own, as a user runs it.

    python bench/large_pictures.py [--project DIR] [--side 8000] [--repeats 3]

--project runs the scripts of another checkout (an earlier commit, say) on
the same pictures, so that before and after are measured in one run. The
pictures: a digit of the bundled images as a 28x28 PNG; the same digit drawn
on side x side as a grey PNG; a blank side x side RGB PNG given to the
CIFAR-10 models, twice; and a side x side JPEG photograph-like digit.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from PIL import Image

import start  # first: bench/start.py puts the project on sys.path
from pixel_rnn.datasets import mnist


def pictures(folder, side):
    """{name: path} of the pictures measured."""
    seven = mnist.load('bundled').x_test[0]
    made = {'small': os.path.join(folder, 'small.png')}
    Image.fromarray(seven).save(made['small'])
    large = Image.fromarray(seven).resize((side, side), Image.Resampling.BILINEAR)
    made['large grey PNG'] = os.path.join(folder, 'large.png')
    large.save(made['large grey PNG'])
    made['large JPEG'] = os.path.join(folder, 'large.jpg')
    large.convert('RGB').save(made['large JPEG'], quality=90)
    made['large blank RGB PNG'] = os.path.join(folder, 'blank.png')
    Image.new('RGB', (side, side), 'white').save(made['large blank RGB PNG'])
    return made


def measured(project, arguments):
    """(seconds, peak resident MB) of classification.py with arguments, run
    by /usr/bin/time in a process of its own."""
    result = subprocess.run(['/usr/bin/time', '-f', '%e %M', sys.executable,
                             os.path.join(project, 'classification.py'), *arguments],
                            cwd=project, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f'classification.py {" ".join(arguments)} failed:\n{result.stderr}')
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--project', default=start.ROOT, help='the checkout whose scripts to run')
    parser.add_argument('--side', type=int, default=8000)
    parser.add_argument('--repeats', type=int, default=3, help='runs of each; the least is kept')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        made = pictures(folder, args.side)
        cases = {
            'one small picture': ['--images', made['small']],
            f'and a {args.side}x{args.side} grey PNG': ['--images', made['small'],
                                                         made['large grey PNG']],
            f'and a {args.side}x{args.side} JPEG': ['--images', made['small'],
                                                    made['large JPEG']],
            'CIFAR-10, one small picture': ['--dataset=cifar', '--images', made['small']],
            f'CIFAR-10, and two blank {args.side}x{args.side} RGB PNGs': [
                '--dataset=cifar', '--images', made['small'], made['large blank RGB PNG'],
                made['large blank RGB PNG']],
        }
        print(f'classification.py --images, {args.project}: least of {args.repeats} runs')
        print(f'{"pictures":<45} {"seconds":>8} {"peak MB":>8}')
        for name, arguments in cases.items():
            runs = [measured(args.project, arguments) for _ in range(args.repeats)]
            print(f'{name:<45} {min(seconds for seconds, _ in runs):>8.2f} '
                  f'{min(mb for _, mb in runs):>8.0f}', flush=True)


if __name__ == '__main__':
    main()
