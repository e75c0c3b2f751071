"""Train a generative model (GRU or PixelCNN) for one MNIST digit, or for all ten."""
import train as training
from pixel_rnn import cli
from pixel_rnn import runner
from pixel_rnn.datasets import mnist


def parse_args(argv=None):
    return training.parse_args(mnist.MNIST, __doc__, argv)


def train(digit=0, num_images=100, epochs=50, **flags):
    """The tutorial's train(): a model of digit on the first num_images of
    its training images, for epochs, saved as model_{digit}.h5 in
    trained/mnist_models (or --models_dir); what the command line with
    --digit, --num_images and --epochs does, each of flags (data='bundled',
    models_dir=..., units=64) one of its other flags."""
    main(cli.as_arguments(digit=digit, num_images=num_images, epochs=epochs, **flags))


def main(argv=None):
    training.main(parse_args(argv))


if __name__ == '__main__':
    runner.run(main, resumes=True)
