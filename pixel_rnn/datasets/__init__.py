"""The data sets, by name: each one entry (Settings) in its own module with its loader.

A data set is added as a module like fashion.py and one name in DATASETS.
Imports no Keras, so that flags and data are checked before its import wait.
"""
from pixel_rnn.datasets import cifar, fashion, mnist

DATASETS = {settings.name: settings for settings in (mnist.MNIST, cifar.CIFAR, fashion.FASHION)}
DEFAULT = 'mnist'  # the tutorial's: what the scripts take without --dataset
