"""Train a generative model (GRU or PixelCNN) for one MNIST digit, or for all ten."""
import functools

import train
from pixel_rnn import cli
from pixel_rnn.datasets import mnist

parse_args = functools.partial(train.parse_args, mnist.MNIST, __doc__)

if __name__ == '__main__':
    cli.run(lambda: train.main(parse_args()), resumes=True)
