"""Defaults shared by the scripts; the values are the tutorial's."""

# MNIST images are shrunk to target_size x target_size and quantized to
# num_classes intensity levels: level = round(pixel / factor).
target_size = 10
max_intensity = 6
num_classes = max_intensity + 1
factor = 256 / max_intensity

# Model and training.
units = 256
batch_size = 32
epochs = 50
num_images = 100

# Where things live.
mnist_models_dir = 'trained/mnist_models'
model_file = 'model_{}.h5'
generated_dir = 'generated'
