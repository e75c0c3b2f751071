"""Train a generative model (GRU or PixelCNN) for one MNIST digit, or for all ten."""
import train as training
from pixel_rnn import cli, runner
from pixel_rnn.datasets import mnist


def parse_args(argv=None):
    return training.parse_args(mnist.MNIST, __doc__, argv)


def train(digit=0, num_images=100, epochs=50, **flags):
    """The tutorial's train(): the command line with --digit, --num_images,
    --epochs and flags (data='bundled', units=64, ...) as its other flags,
    checked as it checks them."""
    main(cli.as_arguments(digit=digit, num_images=num_images, epochs=epochs, **flags))


def main(argv=None):
    training.main(parse_args(argv))


if __name__ == '__main__':
    runner.run(main, resumes=True)
