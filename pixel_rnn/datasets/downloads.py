"""Data sets through Keras's downloads (keras.datasets), checked, and what a
failure to get one says, in one line. Keras is imported only when a download
is asked for."""
from pixel_rnn.datasets.checks import Dataset, checked
from pixel_rnn.datasets.opening import cause
from pixel_rnn.errors import UsageError
from pixel_rnn.startup import held_stderr


def from_keras(name):
    """((x_train, y_train), (x_test, y_test)) of keras.datasets.<name>: from
    Keras's cache, else downloaded."""
    with held_stderr():
        import keras
    return getattr(keras.datasets, name).load_data()


def keras_or_refused(name, title, class_names, shape, formats):
    """keras.datasets.<name> (called title in messages), checked; where Keras
    cannot give it, a UsageError saying to pass --data, with formats."""
    try:
        (x_train, y_train), (x_test, y_test) = from_keras(name)
    except Exception as error:  # any failure to download or read the cache
        raise UsageError(f'{keras_failure(error, title)}; pass --data PATH: {formats}') from None
    return checked(Dataset(x_train, y_train, x_test, y_test, list(class_names), 'keras'),
                   f"Keras's {title}", shape)


def keras_failure(error, name):
    """Why Keras could not give the data set called name, in words."""
    if network_failure(error):
        return f'could not download {name} (no network connection?)'
    return f'could not get {name} through Keras: {cause(error)}'


def network_failure(error):
    """Whether error, or one it was raised from or while handling, failed to
    reach a server: an OSError such as URLError, or Keras's wrapping of one,
    which it raises with the URLError only as context."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) or any(
                phrase in str(error) for phrase in ('URL fetch failure', 'Failed to download')):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
