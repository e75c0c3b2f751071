"""The page serve.py starts (Gradio): draw or drop a picture and watch the
class posteriors; complete its top rows; sample grids. A drawing becomes a
model's input as classification.py --images makes a picture one
(own_pictures) and is scored, completed and sampled by BayesClassifier, so
the page gives the command line's answers; the models stay loaded."""
import functools
import glob
import os
import socket
import threading

import numpy as np
from PIL import Image

from pixel_rnn import classifier, defaults, pictures, runner
from pixel_rnn.classifier import BayesClassifier
from pixel_rnn.datasets import DATASETS, own_pictures
from pixel_rnn.errors import UsageError, shown
from pixel_rnn.modelfile import loading, places, sets

HOST = '127.0.0.1'  # this machine's people only: the page reads any set folder typed into it
CANVAS_SIDE = 280
SEEN_SIDE = 140  # pixels a side of the picture as the model sees it
CELL_SIDE = 32  # of each sample and completion, as generate.py's --output_size default
EACH_CLASS = 'each class'
MAX_UPLOAD = '20mb'  # a picture's side is bounded as it is read (own_pictures); its file here
# Each of these may serve this many people at once; sampling and completing share
# one turn, for only the likelihood's steps are known to be safe in threads.
SCORING_AT_ONCE = 4


def read_set(folder):
    """(Settings, StoredModels) of the set in folder, its data set the first
    model file's, every file checked (sets.read_set) without Keras."""
    paths = sorted(glob.glob(os.path.join(glob.escape(folder), defaults.model_file.format('*'))))
    if not paths:  # also where folder is no folder
        raise UsageError(f'{folder} is not a set of models: no {defaults.model_file.format("*")} '
                         'files in it; give a folder that training wrote')
    settings = DATASETS[loading.check(paths[0]).dataset]
    places.require_models(folder, settings.class_names, settings)
    return settings, sets.read_set(folder, settings.class_names, settings)


def offered(models_dirs):
    """The sets the page offers, name: folder: those of models_dirs (each
    checked now, so that a bad one is refused before Keras starts), then
    the shipped ones in place."""
    chosen = {name: places.models_dir(name, None) for name in models_dirs}
    for folder in chosen.values():
        read_set(folder)
    for folder in defaults.SHIPPED_MODELS_DIRS:
        if glob.glob(os.path.join(glob.escape(folder), defaults.model_file.format('*'))):
            chosen.setdefault(places.in_project(folder), folder)
    return chosen


class Sets:
    """The sets by name, each built when first asked for; a name not offered
    is a folder typed on the page."""

    def __init__(self, folders):
        self.folders, self.built = dict(folders), {}
        self.lock = threading.Lock()  # one build at a time: two pages never build a set twice

    def __getitem__(self, name):
        with self.lock:
            if name not in self.built:
                settings, stored = read_set(self.folders.get(name) or
                                            places.models_dir(name.strip(), None))
                self.built[name] = settings, BayesClassifier(sets.built(stored))
            return self.built[name]


def canvas_image(canvas, settings):
    """The drawing as one of the data set's images, as own_pictures makes a picture file one."""
    picture = None if canvas is None else canvas.get('composite')
    if picture is not None:
        picture = np.asarray(Image.fromarray(picture).convert(settings.picture_mode))
    if picture is None or picture.min() == picture.max():
        raise UsageError(f'the canvas is empty: draw a {settings.class_noun} or drop a picture')
    return own_pictures.in_dataset_form(picture, settings)[0]


def dropped_picture(path, name, sets_):
    """A dropped picture file on the canvas, read as classification.py
    --images reads one (bounded, upright, in the set's colours)."""
    if path is None:
        return None
    settings = sets_[name][0]
    try:
        picture = own_pictures.read_picture(path, settings.picture_mode, 'picture')
    except UsageError as error:  # named by the person's own name for it, not the server's copy
        raise UsageError(str(error).replace(path, os.path.basename(path))) from None
    return {'background': picture, 'layers': [], 'composite': picture}


def posteriors(name, canvas, sets_):
    """The class posteriors of the drawing, its bits/dim under the most
    probable class with the command line's word on it, and the drawing as
    the models see it (shrunk, quantized)."""
    settings, bayes = sets_[name]
    image = canvas_image(canvas, settings)[None]
    log_likelihoods = bayes.log_likelihoods(image)
    probabilities = bayes.posteriors(log_likelihoods)[0]
    best = int(np.argmax(probabilities))
    likeness = classifier.likeness(bayes.models[best].info, log_likelihoods[0, best])
    seen = pictures.levels_to_image(bayes.levels(image)[0][0], SEEN_SIDE, bayes.info.factor)
    return (dict(zip(bayes.classes_, probabilities.tolist())),
            f'Under the model of {bayes.classes_[best]}: {likeness}', seen)


def completions(name, canvas, chosen, given_rows, count, seed, temperature, sets_):
    """One row per class chosen: the drawing with its rows below given_rows
    hatched, count completions by the class's model, the drawing whole."""
    settings, bayes = sets_[name]
    return pictures.completion_picture(bayes, labels(bayes, chosen),
                                       canvas_image(canvas, settings)[None], int(given_rows),
                                       int(count), CELL_SIDE, seed=seed, temperature=temperature)


def samples(name, chosen, grid_size, seed, temperature, sets_):
    """A grid_size x grid_size grid of the chosen class's samples (generate.py's
    grid), or a row of grid_size of each class."""
    bayes = sets_[name][1]
    chosen_labels = labels(bayes, chosen)
    count = int(grid_size) ** 2 if len(chosen_labels) == 1 else int(grid_size)
    return pictures.samples_picture(bayes, chosen_labels, count, CELL_SIDE, int(grid_size),
                                    seed=seed, temperature=temperature)


def labels(bayes, chosen):
    """The positions of the classes chosen (a class name, or EACH_CLASS)."""
    every = range(len(bayes.classes_))
    return list(every) if chosen == EACH_CLASS else [bayes.classes_.index(chosen)]


def set_chosen(name, sets_):
    """The class choices and the rows a completion may keep, for the set chosen."""
    import gradio as gr
    bayes = sets_[name][1]
    return (gr.update(choices=[*bayes.classes_, EACH_CLASS], value=bayes.classes_[0]),
            gr.update(maximum=bayes.info.image_size, value=max(1, bayes.info.image_size // 2)))


def answered(handler, sets_, instead):
    """handler, bad input answered in words in the page's message box (a
    UsageError, or the system's error in one line), its outputs then instead
    (a tuple); never a stack trace, and the server serves on."""
    def answer(*inputs):
        try:
            answers = handler(*inputs, sets_)
            return *(answers if isinstance(answers, tuple) else (answers,)), ''
        except UsageError as error:
            return *instead, shown(error)
        except OSError as error:
            return *instead, shown(runner.system_error(error))
    return answer


def built(sets_, first):
    """The page (a gr.Blocks) offering sets_, first chosen."""
    import gradio as gr
    bayes = sets_[first][1]
    # Pictures the page shows are sent as PNG: every pixel as the package made it.
    picture_box = functools.partial(gr.Image, format='png', interactive=False)
    with gr.Blocks(title='pixel-rnn') as page:
        gr.Markdown('## pixel-rnn: draw, and watch the class models answer')
        with gr.Row():
            chosen_set = gr.Dropdown([*sets_.folders], value=first, allow_custom_value=True,
                                     label='set of models (or type a folder of one)')
            chosen_class = gr.Dropdown([*bayes.classes_, EACH_CLASS], value=bayes.classes_[0],
                                       label='class to complete or sample')
        message = gr.Markdown(elem_id='message')
        with gr.Row():
            with gr.Column():
                canvas = gr.Sketchpad(image_mode='RGB', canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                                      format='png', label='draw here', elem_id='canvas',
                                      layers=False,
                                      brush=gr.Brush(default_size=14, colors=['#000000'],
                                                     color_mode='defaults'))
                dropped = gr.File(label='or drop a picture', type='filepath', elem_id='drop',
                                  height=80)
            with gr.Column():
                posterior = gr.Label(num_top_classes=len(bayes.classes_), elem_id='posteriors',
                                     label='class posteriors')
                likeness = gr.Markdown(elem_id='likeness')
                seen = picture_box(label='as the models see it', elem_id='seen', height=SEEN_SIDE,
                                   width=SEEN_SIDE)
        with gr.Row():
            with gr.Column():
                given_rows = gr.Slider(1, bayes.info.image_size, bayes.info.image_size // 2,
                                       step=1, label='rows kept')
                count = gr.Slider(1, 10, 5, step=1, label='completions')
                complete = gr.Button('Complete', elem_id='complete')
                completed = picture_box(label='kept, completions, whole', elem_id='completed',
                                        height=200)
            with gr.Column():
                grid_size = gr.Slider(1, 10, 5, step=1, label='grid size')
                temperature = gr.Slider(0.05, 3, 1.0, step=0.05, label='temperature')
                seed = gr.Number(0, precision=0, minimum=0,  # an int, or None: a new draw
                                 label='seed (empty: new each time)')
                sample = gr.Button('Sample', elem_id='sample')
                sampled = picture_box(label='samples', elem_id='sampled', height=320)
        # Scoring (its function, inputs, outputs), whether the drawing or the set changed.
        score = (answered(posteriors, sets_, (None,) * 3), [chosen_set, canvas],
                 [posterior, likeness, seen, message])
        canvas.change(*score, trigger_mode='always_last', show_progress='hidden',
                      concurrency_limit=SCORING_AT_ONCE, concurrency_id='score')
        chosen_set.change(answered(set_chosen, sets_, (gr.skip(),) * 2), [chosen_set],
                          [chosen_class, given_rows, message]).then(*score, concurrency_id='score')
        dropped.upload(answered(dropped_picture, sets_, (gr.skip(),)), [dropped, chosen_set],
                       [canvas, message])
        complete.click(answered(completions, sets_, (None,)),
                       [chosen_set, canvas, chosen_class, given_rows, count, seed, temperature],
                       [completed, message], concurrency_id='draw')
        sample.click(answered(samples, sets_, (None,)),
                     [chosen_set, chosen_class, grid_size, seed, temperature],
                     [sampled, message], concurrency_id='draw')
    return page


def check_port(port):
    """That the page can listen on port: refused in one line before Keras starts."""
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise UsageError(f'--port {port}: cannot listen there ({error.strerror}); give '
                             'another port') from None


def serve(folders, port):
    """Serve the page on HOST:port until stopped, the first of folders (name:
    folder) chosen, its models built and run once (compiled) before anyone asks."""
    # Offline and private: no usage reports, no fonts fetched from the web.
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    import gradio as gr
    sets_, first = Sets(folders), next(iter(folders))
    warm = sets_[first][1]
    warm.log_likelihoods(np.zeros((1,) + warm.info.shape, np.uint8))
    theme = gr.themes.Default(font=['ui-sans-serif', 'system-ui', 'sans-serif'],
                              font_mono=['ui-monospace', 'monospace'])
    page = built(sets_, first)
    page.queue(default_concurrency_limit=1).launch(
        server_name=HOST, server_port=port, quiet=True, prevent_thread_lock=True, theme=theme,
        ssr_mode=False, max_file_size=MAX_UPLOAD, footer_links=[])
    print(f'Serving the page at http://{HOST}:{port} (Ctrl-C stops it)', flush=True)
    page.block_thread()
