"""pixel-rnn's library, under the scripts and util.py.

Code map: the commands README teaches are the scripts at the top (train.py,
with train_mnist.py and train_cifar.py its entries; generate.py;
classification.py; describe.py). util.py holds the design's public functions:
shrink and quantize, shift-by-one training, sampling, Bayes classification.
Under them, this package, imports flowing down the list:

    cli.py            flags and the one-line error runner (no Keras)
    architectures/    one file per architecture (gru.py, pixelcnn.py): its
                      hyper-parameters with defaults and bounds (params.py),
                      its checks, create/fit/log-likelihood/sample; the
                      registry and ClassModel in __init__.py; Keras layers in
                      layers.py. A new architecture: one file, one registry line.
    datasets/         one module per data set (mnist.py, cifar.py, fashion.py):
                      its entry (settings.py: name, colours, classes, folders)
                      and its loader; the registry in __init__.py; reading.py
                      reads files, trusting none. A new data set: one module,
                      one registry line.
    description.py    ModelInfo: what a model file models and how it was
                      trained, every field checked (no Keras)
    modelfile/        saving.py writes a model file whole; loading.py reads
                      one back, checking everything
    training/         one_class.py: a class's resumable training; parallel.py:
                      several classes at once; fine_tuning.py: a whole set
                      together (--discriminative)
    pictures.py       grids and report figures, written whole
    files.py          writing a file whole or not at all
    startup.py        starting Keras quietly
    errors.py         UsageError, at the bottom of every import chain
"""
