"""A training's backup: its network's weights, laid out as a model file's,
and its optimizer's state (optimizer_weights/<n>, the step count with it).
Made and read in memory, as model files are (saving.model_image says why),
and read back through a model file's checks before a value is set."""
import io

import h5py
import numpy as np

from pixel_rnn import files
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, saving

# The optimizer's state: floats, and its step count a whole number.
STATE_DTYPES = (np.dtype('float32'), np.dtype('int64'))


def weights_image(network):
    """The bytes of a backup of network, compiled, and its optimizer's state."""
    from keras import ops
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        saving.write_weights(f.create_group('model_weights'), network)
        state = f.create_group('optimizer_weights')
        for index, variable in enumerate(network.optimizer.variables):
            state.create_dataset(f'{index:05d}', data=ops.convert_to_numpy(variable))
    return image.getvalue()


def load_weights(network, path):
    """Set network's weights and its optimizer's state from the backup at
    path, a regular file of this project's (not a link), each checked as a
    model file's weights are; a UsageError says what is wrong."""
    weights = [weight for layer in network.layers for weight in layer.weights]
    variables = list(network.optimizer.variables)
    limit = sum(int(np.prod(value.shape)) for value in weights + variables) * 8 + 2**20
    data = files.read_own(path, limit)
    try:
        with h5py.File(io.BytesIO(data), 'r') as f:
            names, arrays = loading.stored_weights(f, path, [tuple(w.shape) for w in weights])
            # By path alone: a set fine-tuned together holds its networks as
            # layers of names Keras makes anew in each process.
            if [name.split('/', 1)[1] for name in names] != [weight.path for weight in weights]:
                raise UsageError(f'{path} holds the weights of another network; refusing it')
            state = optimizer_state(f, path, variables)
    except loading.READ_ERRORS as error:
        raise UsageError(f'{path} is not a readable backup ({error})') from None
    for variable, value in zip(weights + variables, arrays + state):
        variable.assign(value)


def optimizer_state(f, path, variables):
    """The arrays of the optimizer's state in f, one of each of variables'
    shapes, checked as a model file's weights are."""
    group = loading.own_member(f, 'optimizer_weights', path)
    names = [f'{index:05d}' for index in range(len(variables))]
    if sorted(group) != names:
        raise UsageError(f'{path} holds the state of another optimizer; refusing it')
    labelled = [(f'optimizer state {name}', loading.own_member(group, name, path))
                for name in names]
    for (label, dataset), variable in zip(labelled, variables):
        if not isinstance(dataset, h5py.Dataset) or dataset.shape != tuple(variable.shape):
            raise UsageError(f'{path}: {label} is not of the shape the optimizer needs; '
                             'refusing it')
    return loading.checked_values(labelled, path, STATE_DTYPES)
