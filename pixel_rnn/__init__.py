"""pixel-rnn's library, under the scripts and util.py.

Code map: the commands README teaches are the scripts at the top (train.py,
with train_mnist.py and train_cifar.py its entries; generate.py;
classification.py; describe.py; serve.py, the page). util.py holds the
tutorial's functions under its names (create_model, shrink, pre_process,
train_model, sample, classify), thin faces over this package; config.py
gives the tutorial's names for defaults.py's values. The package imports
none of them: a module imports only those below it in this list, and none
but where a network is built or run imports Keras:

    page.py           the page serve.py starts (Gradio): draw or drop a
                      picture and watch the posteriors, complete, sample;
                      through BayesClassifier and own_pictures, as the scripts
    training/         classes.py: the classes a command names, one after
                      another or several at once; one_class.py: a class's
                      resumable training and its lock; parallel.py: several
                      classes at once, Keras started in the workers alone,
                      progress.py showing a line per class from their reports;
                      fine_tuning.py: a whole set together (--discriminative),
                      its lock and repair; install.py: the fine-tuned set put
                      in place; callbacks.py: what every fit runs with, the
                      backup of each epoch, the stop between batches and
                      a worker's reports;
                      flags.py: the training flags, made from what a model
                      records
    classifier.py     BayesClassifier: a set of class models with scikit-learn's
                      face (log-likelihoods, predict, predict_proba, sample,
                      complete), its log priors, Bayes' rule in log space
    cli.py            the parser and its flag types (no Keras)
    runner.py         running a script: one-line errors, stops, progress
    modelfile/        saving.py writes a model file whole; loading.py reads
                      one back, checking everything, and builds its network;
                      sets.py reads a set's files, checks they agree, and
                      builds their networks; backups.py a training's
                      backup of weights and optimizer state, checked as
                      model files are; tutorial.py the tutorial's network
                      from its own files and plain Keras ones; places.py names
                      a set's files and those kept beside them, and checks
                      that they can be written
    description.py    ModelInfo: what a model file models and how it was
                      trained, each field declared once with its Param (what
                      it may hold, its flag, how it is said); no Keras
    architectures/    model.py: ClassModel, the calls every architecture
                      answers; one file per architecture (gru.py, pixelcnn.py),
                      a ClassModel subclass with its hyper-parameters
                      (params.py's Params) and its network; the registry,
                      checked at import, in __init__.py; Keras layers in
                      layers.py. A new architecture: one file, one registry line.
    datasets/         one module per data set (mnist.py, cifar.py, fashion.py):
                      its entry (settings.py: name, colours, classes, folders)
                      and its loader; the registry in __init__.py;
                      own_pictures.py reads a person's pictures, bounded, into
                      a data set's form. Beneath them, each importing only
                      those after it: formats.py reads .npz, IDX and class
                      folders, trusting none; downloads.py gets Keras's
                      (importing Keras only then); picture_files.py opens one
                      picture, bounded; checks.py: the Dataset type and the
                      checks every data set passes; opening.py opens a file
                      or folder without hanging. A new data set: one module,
                      one registry line.
    pictures.py       grids and report figures, written whole, their
                      places checked first
    images.py         image arrays as models read them: shrunk (the tutorial's
                      shrink), quantized, deskewed, moved by a pixel
    startup.py        starting Keras quietly; the signals that stop a run;
                      closed standard streams put back as the null device
    files.py          writing a file whole or not at all; reading the
                      project's own files back as untrusted; whether a
                      folder can be written, checked before work
    errors.py         UsageError, and text from outside made safe to print
    defaults.py       what new training uses (sizes, levels, units, batch
                      size, epochs, moves) and where things live (trained/,
                      generated/, a model file's name), each set once
"""
