"""classification.py on a person's own pictures (--images), and the pictures --report writes."""
import os
import re

import numpy as np
import pytest
import skimage.data
from PIL import Image

from pixel_rnn.datasets import DATASETS
from pixel_rnn.datasets import mnist, own_pictures
from pixel_rnn.modelfile import saving
import config
from conftest import ROOT, model_info, rigged_model, run_in_process
from pixel_rnn import architectures
from pixel_rnn.classifier import BayesClassifier, likeness

LINE = re.compile(r'^(.+): (\S+) \((\d\.\d{4})\), (\S+) \((\d\.\d{4})\), (\S+) \((\d\.\d{4})\)'
                  r'; \d+\.\d\d bits/dim(?:, (unlike|simpler than) the training images '
                  r'\(99% of images of its class that the model did not train on stay '
                  r'(?:under|above) \d+\.\d\d\))?'
                  r'(; read inverted: dark ink on a light ground)?$')


def classified(stdout):
    """{path: ([classes], [probabilities], inverted, word)} from --images'
    lines; word: 'unlike', 'simpler than' or None."""
    lines = {}
    for line in stdout.splitlines():
        match = LINE.match(line)
        if match:
            groups = match.groups()
            lines[groups[0]] = (list(groups[1:7:2]), [float(p) for p in groups[2:7:2]],
                                groups[8] is not None, groups[7])
    return lines


@pytest.mark.slow
def test_own_pictures_come_back_with_their_class_inverted_or_not(tmp_path):
    """Clear digits of the bundled test set, as PNG files and as dark-on-light
    copies (PNG and JPEG), through the shipped GRUs."""
    bundled = mnist.load('bundled')
    folder = tmp_path / 'pictures'
    folder.mkdir()
    expected = {}
    for digit in range(10):
        image = bundled.x_test[np.flatnonzero(bundled.y_test == digit)[0]]
        for name, picture in ((f'{digit}.png', image), (f'{digit}_on_white.png', 255 - image),
                              (f'{digit}_on_white.jpg', 255 - image)):
            Image.fromarray(picture).save(folder / name)
            expected[str(folder / name)] = (str(digit), 'on_white' in name)
    # A larger, wider picture on white: padded to a square and shrunk to 28x28.
    wide = np.full((90, 150), 255, np.uint8)
    wide[3:87, 33:117] = np.asarray(Image.fromarray(255 - bundled.x_test[0]).resize((84, 84)))
    Image.fromarray(wide).save(tmp_path / 'wide.png')
    expected[str(tmp_path / 'wide.png')] = (str(bundled.y_test[0]), True)
    (folder / 'notes.txt').write_text('not a picture, and not asked for')

    result = run_in_process('classification.py', '--images', str(folder),
                            str(tmp_path / 'wide.png'))
    assert result.returncode == 0, result.stderr
    lines = classified(result.stdout)
    assert sorted(lines) == sorted(expected), result.stdout
    right = 0
    for path, (digit, inverted) in expected.items():
        classes, probabilities, said_inverted, _ = lines[path]
        assert said_inverted == inverted, path
        assert len(set(classes)) == 3 and probabilities == sorted(probabilities, reverse=True)
        if 'wide' not in path:  # clear digits: the other seven hold less than is printed
            assert sum(probabilities) == pytest.approx(1, abs=2e-4), (path, probabilities)
        assert sum(probabilities) <= 1 + 2e-4
        right += classes[0] == digit
    assert right >= len(expected) - 2, result.stdout
    assert lines[str(tmp_path / 'wide.png')][0][0] == str(bundled.y_test[0]), result.stdout


def save_blank_pictures(folder):
    """A black picture, and a white one (read inverted): both blank to the models."""
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / 'black.png')
    Image.fromarray(np.full((40, 30), 255, np.uint8)).save(folder / 'white.jpg')
    return [str(folder / 'black.png'), str(folder / 'white.jpg')]


@pytest.mark.slow
def test_probabilities_are_bayes_rule_in_log_space(tmp_path):
    # A blank picture is 100 sub-pixels of level 0. Class k's model gives
    # level 0 the probability 0.9 * w_k ** (1 / 100), so the likelihoods
    # stand as the w_k; the other classes' 0.5 ** 100 is nothing beside them.
    weights = {0: 0.1, 4: 0.6, 7: 0.3}
    models_dir = tmp_path / 'models'
    for digit in range(10):
        level_0 = 0.9 * weights[digit] ** (1 / 100) if digit in weights else 0.5
        # Class 4's model records that its held-out images stay under 0.10 bits/dim.
        record = dict(held_out_bits=0.05, held_out_bits_99=0.1) if digit == 4 else {}
        model = rigged_model([level_0] + [(1 - level_0) / 6] * 6, class_name=str(digit), **record)
        saving.save(model, config.model_path(str(models_dir), digit))
    paths = save_blank_pictures(tmp_path)
    result = run_in_process('classification.py', f'--models_dir={models_dir}', '--images', *paths)
    assert result.returncode == 0, result.stderr
    # Under class 4, a blank picture's 100 sub-pixels: 100 log 0.9 + log 0.6 nats.
    bits = -(100 * np.log(0.9) + np.log(0.6)) / (100 * np.log(2))
    unlike = (f'{bits:.2f} bits/dim, unlike the training images (99% of images of its class that '
              'the model did not train on stay under 0.10)')
    assert result.stdout.splitlines() == [
        f'{paths[0]}: 4 (0.6000), 7 (0.3000), 0 (0.1000); {unlike}',
        f'{paths[1]}: 4 (0.6000), 7 (0.3000), 0 (0.1000); {unlike}; read inverted: dark ink on '
        'a light ground']


def test_likeness_says_which_side_of_the_held_out_images_a_picture_lies_and_the_figure():
    info = model_info(held_out_bits=0.6, held_out_bits_1=0.4, held_out_bits_99=1.1)

    def nats(bits):  # a picture's log-likelihood at bits per sub-pixel
        return -bits * info.num_subpixels * np.log(2)
    held_out = '99% of images of its class that the model did not train on stay'
    assert likeness(info, nats(0.7)) == '0.70 bits/dim'
    assert likeness(info, nats(1.25)) == (
        f'1.25 bits/dim, unlike the training images ({held_out} under 1.10)')
    assert likeness(info, nats(0.05)) == (
        f'0.05 bits/dim, simpler than the training images ({held_out} above 0.40)')
    # A model without the figures (the tutorial's files) gets no word either way.
    assert likeness(model_info(), nats(0.05)) == '0.05 bits/dim'
    assert likeness(model_info(), nats(9)) == '9.00 bits/dim'


@pytest.mark.slow
def test_a_blank_page_noise_and_a_photo_are_each_unlike_or_simpler_than_the_training_images(
        tmp_path):
    """Pictures no digit model was made for, through the shipped GRUs: the
    class chosen is a confident guess, and its model's likelihood lies
    outside its held-out images' 1st to 99th percentile, a blank page below
    (likelier than any digit), noise and a photo above. Not every photo is
    caught: brought to the digits' form (grey, full contrast, its ink's box
    centred, 10x10 in 7 levels), some come out inside the band."""
    blank, noise, photo = (str(tmp_path / name) for name in ('blank.png', 'noise.png',
                                                             'photo.png'))
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(blank)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)).save(noise)
    # A photograph that ships with scikit-image: an astronaut, a flag behind her.
    Image.fromarray(skimage.data.astronaut()).save(photo)
    result = run_in_process('classification.py', '--images', blank, noise, photo)
    assert result.returncode == 0, result.stderr
    words = {path: line[3] for path, line in classified(result.stdout).items()}
    assert words == {blank: 'simpler than', noise: 'unlike', photo: 'unlike'}, result.stdout


def test_posteriors_sum_to_one_and_keep_likelihood_ratios():
    models = [rigged_model([p, 1 - p], class_name=str(k), prior=prior)
              for k, (p, prior) in enumerate([(0.9, 0.5), (0.6, 0.25), (0.3, 0.25)])]
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    posteriors = BayesClassifier(models).predict_proba(images)
    np.testing.assert_allclose(posteriors.sum(axis=1), 1)
    log_likelihoods = BayesClassifier(models).log_likelihoods(images)
    scores = log_likelihoods + np.log([0.5, 0.25, 0.25])
    np.testing.assert_allclose(np.log(posteriors[:, 0] / posteriors[:, 1]),
                               scores[:, 0] - scores[:, 1], rtol=1e-6)


@pytest.mark.slow
def test_a_folder_that_mixes_architectures_is_said(tmp_path):
    for digit in range(9):
        saving.save(rigged_model(np.full(7, 1 / 7), class_name=str(digit)),
                        config.model_path(str(tmp_path), digit))
    pixelcnn = architectures.create(model_info(arch='pixelcnn', filters=2, depth=0, class_name='9'))
    saving.save(pixelcnn, config.model_path(str(tmp_path), 9))
    result = run_in_process('classification.py', f'--models_dir={tmp_path}', '--images',
                            *save_blank_pictures(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (f'Note: the models of {tmp_path} are of more than one architecture '
            '(gru for 0, 1, 2, 3, 4, 5, 6, 7, 8; pixelcnn for 9)') in result.stdout


@pytest.mark.slow
def test_report_writes_the_confusion_matrix_and_the_misclassified_images(tmp_path):
    models_dir = tmp_path / 'my_models'
    for digit in range(10):
        saving.save(rigged_model(np.full(7, 1 / 7), class_name=str(digit)),
                        config.model_path(str(models_dir), digit))
    report_dir = tmp_path / 'report'
    result = run_in_process('classification.py', '--data=bundled', '--num_images=50', '--report',
                            f'--models_dir={models_dir}', f'--report_dir={report_dir}')
    assert result.returncode == 0, result.stderr
    paths = [str(report_dir / f'my_models_{name}.png')
             for name in ('confusion_matrix', 'misclassified')]
    for path in paths:
        assert f'Saved {path}' in result.stdout
        with Image.open(path) as picture:
            assert picture.format == 'PNG'
            assert 300 <= picture.width <= 2000 and 150 <= picture.height <= 2000, picture.size
            pixels = np.asarray(picture.convert('L'))
        assert pixels.std() > 10, 'a picture with something drawn in it'
    assert sorted(os.listdir(report_dir)) == sorted(os.path.basename(p) for p in paths), \
        'written whole: no temporary file left'


def test_readme_pictures_are_where_no_default_writes():
    with open(os.path.join(ROOT, 'README.md')) as f:
        shown = re.findall(r'!\[[^]]*\]\((generated/[\w/]+\.png)\)', f.read())
    assert len(shown) >= 6
    defaults = {os.path.join('generated', getattr(settings, kind).format(name))
                for settings in DATASETS.values() for name in settings.class_names
                for kind in ('samples_file', 'completions_file')}
    for path in shown:
        assert os.path.isfile(os.path.join(ROOT, path)), path
        assert path not in defaults and not path.startswith('generated/report/'), path


def test_a_picture_is_brought_to_the_data_sets_form():
    digit = mnist.load('bundled').x_test[0]
    # On white and three times the size, in a wide frame: inverted, the ink fitted and centred.
    large = np.asarray(Image.fromarray(255 - digit).resize((84, 84)))
    framed = np.full((100, 200), 230, np.uint8)
    framed[8:92, 40:124] = np.minimum(large, 230)
    image, inverted = own_pictures.in_dataset_form(framed, mnist.MNIST)
    assert inverted and image.shape == (28, 28) and image.dtype == np.uint8
    assert image[:3].max() == 0 and image[:, :3].max() == 0, 'a black margin, as MNIST has'
    assert image.max() >= 240, 'full contrast (less what scaling smooths)'
    rows, columns = np.nonzero(image > 64)
    assert max(np.ptp(rows), np.ptp(columns)) + 1 in (19, 20, 21), 'fitted to 20x20'
    # Near the bundled image itself (MNIST's digits were made so).
    assert np.mean(np.abs(image.astype(int) - digit)) < 25
    unchanged, inverted = own_pictures.in_dataset_form(digit, mnist.MNIST)
    assert not inverted and np.mean(np.abs(unchanged.astype(int) - digit)) < 25
    photo = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    image, inverted = own_pictures.in_dataset_form(photo, DATASETS['cifar'])
    assert image.shape == (32, 32, 3) and not inverted
    blank, _ = own_pictures.in_dataset_form(np.full((10, 10), 200, np.uint8), mnist.MNIST)
    assert blank.shape == (28, 28) and blank.max() == 0


def test_a_grey_picture_is_framed_as_its_data_set_frames_its_images():
    # A wide shoe-like shape, a third off centre in its picture, its ink heavier on the left.
    picture = np.zeros((60, 120), np.uint8)
    picture[20:40, 10:90] = 100
    picture[20:40, 10:30] = 255
    boxes = {}
    for name in ('mnist', 'fashion'):
        image, _ = own_pictures.in_dataset_form(picture, DATASETS[name])
        rows, columns = np.nonzero(image > 64)
        boxes[name] = (rows.min(), rows.max(), columns.min(), columns.max())
    # Fashion-MNIST: its longer side fills the 28 pixels, the box centred.
    assert boxes['fashion'][2:] == (0, 27)
    assert abs(boxes['fashion'][0] + boxes['fashion'][1] - 27) <= 1
    # MNIST: 20 of 28, centred by its centre of mass (so off the box's centre, to the right).
    assert boxes['mnist'][3] - boxes['mnist'][2] + 1 in (19, 20, 21)
    assert boxes['mnist'][2] + boxes['mnist'][3] > 27 + 1


# ------------------------------------------------------ pictures as a hostile user gives them

def test_names_that_would_forge_a_line_or_reach_the_terminal_are_shown_escaped(tmp_path):
    folder = tmp_path / 'pictures'
    folder.mkdir()
    names = ['evil\nfake.png: 7 (1.0000), 1 (0.0000), 2 (0.0000).png', 'red\x1b[31m.png',
             'turned\u202egnp.png', 'caf\u00e9.png']
    for name in names:
        Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / name, format='PNG')
    os.symlink('loop', folder / 'loop')  # a symbolic link round in a loop: skipped, said
    (folder / 'inner').mkdir()
    (folder / 'notes.txt').write_text('not a picture')
    models_dir = tmp_path / 'models'  # small models: what is tested is the lines
    for digit in range(10):
        saving.save(rigged_model(np.full(7, 1 / 7), class_name=str(digit)),
                    config.model_path(str(models_dir), digit))
    result = run_in_process('classification.py', '--images', str(folder),
                            f'--models_dir={models_dir}')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    pictures = [line for line in lines if LINE.match(line)]
    assert len(pictures) == len(names) and len(lines) == len(names) + 1, result.stdout
    assert any(line.startswith(f'{folder}/evil\\nfake.png: 7 (1.0000), 1 (0.0000), 2 (0.0000).png: '
                               '0 (0.1000)') for line in pictures)
    assert any('red\\x1b[31m.png: ' in line for line in pictures)
    assert any('turned\\u202egnp.png: ' in line for line in pictures)
    assert any('café.png: ' in line for line in pictures), 'printable names stay as they are'
    assert '\x1b' not in result.stdout and '\u202e' not in result.stdout
    assert lines[0] == (f'Note: --images {folder}: skipped 1 file not named as a picture, '
                        '1 folder (folders within are not read), 1 link that leads nowhere or '
                        'round in a loop'), lines[0]


def test_an_error_naming_a_hostile_file_is_one_escaped_line(tmp_path):
    picture = tmp_path / 'two\nlines\x1b[2J.png'
    picture.write_text('not a picture')
    result = run_in_process('classification.py', '--images', str(picture))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert 'two\\nlines\\x1b[2J.png is not a picture' in result.stderr


def upright_seven():
    bundled = mnist.load('bundled')
    return bundled.x_test[np.flatnonzero(bundled.y_test == 7)[0]]


def test_a_photo_stored_sideways_is_read_upright_as_its_exif_says(tmp_path):
    seven = np.kron(upright_seven(), np.ones((4, 4), np.uint8))  # 112 x 112, as a photo
    Image.fromarray(seven).save(tmp_path / 'upright.png')
    # A phone held sideways stores the picture turned, and says so: orientation 6
    # means "turn it 90 degrees clockwise to show it".
    sideways = Image.fromarray(seven).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[own_pictures.ORIENTATION] = 6
    sideways.save(tmp_path / 'phone.jpg', exif=exif, quality=95)
    upright = own_pictures.read_picture(str(tmp_path / 'upright.png'), 'L', '--images')
    read = own_pictures.read_picture(str(tmp_path / 'phone.jpg'), 'L', '--images')
    assert read.shape == upright.shape
    assert np.abs(read.astype(int) - upright).mean() < 3, 'read upright, as the picture shows'
    assert np.abs(np.rot90(read).astype(int) - upright).mean() > 30


@pytest.mark.parametrize('mode, save_as', [('L', 'PNG'), ('1', 'PNG'), ('P', 'PNG'),
                                           ('RGB', 'JPEG'), ('RGBA', 'PNG')])
def test_a_large_picture_is_read_reduced_to_what_a_small_copy_of_it_gives(tmp_path, mode,
                                                                          save_as):
    seven = upright_seven()
    small = Image.fromarray(np.kron(seven, np.ones((8, 8), np.uint8)))  # 224 x 224
    large = small.resize((5600, 5600), Image.Resampling.NEAREST)
    if mode == 'RGBA':
        ink = large.convert('L')
        large = Image.new('RGB', large.size, 'black')
        large.putalpha(ink)  # black ink where the digit is, the rest transparent: on white
    else:
        large = large.convert(mode)
    path = tmp_path / f'large.{save_as.lower()}'
    large.save(path, format=save_as)
    picture = own_pictures.read_picture(str(path), 'L', '--images')
    assert max(picture.shape) <= own_pictures.WORKING_SIDE
    image, inverted = own_pictures.in_dataset_form(picture, mnist.MNIST)
    expected, _ = own_pictures.in_dataset_form(np.asarray(small), mnist.MNIST)
    assert inverted == (mode == 'RGBA')
    assert np.abs(image.astype(int) - expected).mean() < 8, 'the same digit, made the same way'
