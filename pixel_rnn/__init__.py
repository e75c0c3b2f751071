"""pixel-rnn's library, under the scripts and util.py.

The commands README teaches are the scripts at the top (train.py with its
entries train_mnist.py and train_cifar.py, generate.py, classification.py,
describe.py, serve.py); util.py gives the tutorial's functions under its
names, and config.py its names for defaults.py's values. The package imports
none of them. A module imports only those below it in this list, and only
where a network is built or run does any import Keras:

    page.py          the page serve.py starts (Gradio), through the calls below
    training/        a class's resumable training (one_class.py);
                     several classes, one after another or at once
                     (classes.py, parallel.py, with its progress lines); a whole set
                     fine-tuned together and put in place (fine_tuning.py,
                     install.py); what every fit runs with (callbacks.py);
                     the training flags (flags.py)
    classifier.py    BayesClassifier: a set of class models with scikit-learn's
                     face, Bayes' rule in log space
    cli.py           the parser and its flag types
    runner.py        running a script: one-line errors, stops, progress
    modelfile/       a model file written whole (saving.py), read back with
                     every check (loading.py); a set's files (sets.py,
                     places.py); a training's backup (backups.py); the
                     tutorial's own files (tutorial.py)
    description.py   ModelInfo: what a model file records, and its constraints
    architectures/   ClassModel, the calls every architecture answers
                     (model.py); one file per architecture (gru.py,
                     pixelcnn.py) and a registry line (__init__.py); Keras
                     layers (layers.py); Param, a recorded value's constraint
    datasets/        one module per data set and a registry line; a person's
                     pictures (own_pictures.py); beneath them readers that
                     trust nothing (formats.py, opening.py) and the checks
                     every data set passes (checks.py)
    pictures.py      grids and report figures, their places checked first
    images.py        image arrays as models read them: shrunk, quantized,
                     deskewed, moved by a pixel
    startup.py       starting Keras quietly; the signals that stop a run
    files.py         crash safety: a file written whole or not at all; a
                     class's lock; the project's own files read back as
                     untrusted; folders checked before work
    errors.py        UsageError, and text from outside made safe to print
    defaults.py      what new training uses and where things live, each set once
"""
