"""Train a generative colour model (GRU or PixelCNN) for one CIFAR-10 class, or for all ten."""
import functools

import train
from pixel_rnn import cli
from pixel_rnn.datasets import cifar

parse_args = functools.partial(train.parse_args, cifar.CIFAR, __doc__)

if __name__ == '__main__':
    cli.run(lambda: train.main(parse_args()), resumes=True)
