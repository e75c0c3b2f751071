"""The architectures: the registry, and the one place a model's architecture is chosen.

Each architecture is a ClassModel subclass (model.py) in a file of its own;
everything above calls create(info) and the model's methods, and never asks
which architecture it has.
"""
from pixel_rnn.architectures.gru import GRU
from pixel_rnn.architectures.model import checked
from pixel_rnn.architectures.pixelcnn import PixelCNN

# The registry: a new architecture is its file and one line here.
ARCHITECTURES = checked({
    'gru': GRU,
    'pixelcnn': PixelCNN,
})


def create(info, network=None):
    """The ClassModel info describes, of the architecture it names: with
    network (weights loaded from a file, say), or with a new one."""
    return ARCHITECTURES[info.arch](info, network)

