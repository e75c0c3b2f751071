"""Train a generative colour model (GRU or PixelCNN) for one CIFAR-10 class, or for all ten."""
import train as training
from pixel_rnn import runner
from pixel_rnn.datasets import cifar


def parse_args(argv=None):
    return training.parse_args(cifar.CIFAR, __doc__, argv)


if __name__ == '__main__':
    runner.run(lambda: training.main(parse_args()), resumes=True)
