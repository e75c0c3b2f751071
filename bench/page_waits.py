"""What a person waits for on the page (serve.py), in headless Chromium, beside
the same answers from the command line, in one run: the page's first load;
a posterior update after a stroke (mouse up to the whole drawing's answer
shown); a 5x5 grid (of 0s); a completion (5 of a drawn 1, half its rows
kept, by the model of 0): the median of --repeats of each, for the GRU and
the PixelCNN set; and the median wall time of --cli_repeats runs of each
command that gives the same kind of answer (a new process each: Keras's
start included; a picture file of a 1 for classification.py --images).

    python bench/page_waits.py [--repeats 20] [--cli_repeats 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import start  # bench/start.py: the project's root

sys.path.insert(0, os.path.join(start.ROOT, 'tests'))
import test_serve as driving  # noqa: E402  the test's page driving: one way to draw

SETS = ('trained/mnist_models', 'trained/mnist_pixelcnn_models')
CHOSEN = 'set of models (or type a folder of one)'


def median_time(repeats, act):
    """Median seconds of act(i) over repeats, act timing itself (returns seconds)."""
    return statistics.median(act(i) for i in range(repeats))


def page_load(browser, server):
    started = time.perf_counter()
    page = browser.new_page()
    page.goto(server)
    page.locator('#canvas canvas').first.wait_for()
    took = time.perf_counter() - started
    page.context.close()
    return took


def stroke_wait(page, settled=1.5):
    """Seconds from a 1's stroke ending, on a cleared canvas, to the last change
    of the answer shown (the stroke's first touch may be answered first):
    the page then showing the same answer, and waiting for none, for settled s."""
    driving.clear(page)
    driving.stroke(page, (0.5, 0.22), (0.5, 0.78))
    started = last = time.perf_counter()
    shown = None
    while time.perf_counter() - last < settled:
        waiting = 'hide' not in page.locator('#posteriors .wrap').first.get_attribute('class')
        now = page.locator('#posteriors').inner_text()
        if waiting or now != shown or page.locator(driving.LABEL).count() == 0:
            shown, last = now, time.perf_counter()
        page.wait_for_timeout(10)
    return last - started


def button_wait(page, button, output, seed):
    """Seconds from a click of button (seed in the seed box) to output's new picture."""
    page.get_by_label('seed (empty: new each time)').fill(str(seed))
    before = page.locator(f'{output} img').get_attribute('src') if page.locator(
        f'{output} img').count() else None
    started = time.perf_counter()
    page.get_by_role('button', name=button).click()
    page.wait_for_function(
        '([selector, before]) => { const image = document.querySelector(selector + " img");'
        ' return image && image.complete && image.getAttribute("src") !== before; }',
        arg=[output, before], timeout=driving.ANSWER_TIMEOUT)
    return time.perf_counter() - started


def page_waits(browser, server, models_dir, repeats):
    page = driving.opened(browser, server)
    page.get_by_label(CHOSEN).fill(models_dir)
    page.get_by_label(CHOSEN).press('Enter')
    driving.one(page)
    driving.answer(page)
    for button, output in (('Sample', '#sampled'), ('Complete', '#completed')):
        button_wait(page, button, output, 0)  # each set's first: compiled once
    waits = {'posterior update after a stroke': median_time(repeats, lambda _: stroke_wait(page)),
             '5x5 grid': median_time(repeats, lambda i: button_wait(page, 'Sample', '#sampled',
                                                                    i + 1)),
             'completion (5)': median_time(repeats, lambda i: button_wait(
                 page, 'Complete', '#completed', i + 1))}
    page.context.close()
    return waits


def command_waits(models_dir, picture, repeats):
    """Median wall seconds of the commands giving the page's answers."""
    commands = {
        'posterior update after a stroke': ['classification.py', f'--images={picture}'],
        '5x5 grid': ['generate.py', '--digit=0', '--seed=0'],
        'completion (5)': ['generate.py', '--digit=0', '--seed=0', '--complete', picture],
    }
    waits = {}
    with tempfile.TemporaryDirectory() as out:
        for what, words in commands.items():
            if words[0] == 'generate.py':
                words = words + [f'--out={os.path.join(out, "picture.png")}']

            def run(_):
                started = time.perf_counter()
                subprocess.run([sys.executable, *words, f'--models_dir={models_dir}'],
                               cwd=start.ROOT, check=True, capture_output=True)
                return time.perf_counter() - started
            waits[what] = median_time(repeats, run)
    return waits


def a_drawn_one(folder):
    """A 1 drawn as a person draws it: a black stroke on white, as a PNG."""
    from PIL import Image, ImageDraw
    picture = Image.new('L', (280, 280), 255)
    ImageDraw.Draw(picture).line([(140, 60), (140, 220)], fill=0, width=28)
    path = os.path.join(folder, 'one.png')
    picture.save(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--cli_repeats', type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    port = driving.free_port()
    server = subprocess.Popen([sys.executable, 'serve.py', f'--port={port}'], cwd=start.ROOT,
                              stdout=subprocess.PIPE, text=True)
    started = time.perf_counter()
    try:
        print(server.stdout.readline().strip(), f'({time.perf_counter() - started:.1f} s from '
              'the command)', flush=True)
        address = f'http://127.0.0.1:{port}/'
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as scratch:
            browser = playwright.chromium.launch(executable_path=shutil.which('chromium'))
            load = median_time(args.repeats, lambda _: page_load(browser, address))
            print(f'first page load: {load:.3f} s (median of {args.repeats})', flush=True)
            picture = a_drawn_one(scratch)
            print(f'{"set":<32} {"wait":<34} {"page":>9} {"command":>9}')
            for models_dir in SETS:
                page = page_waits(browser, address, models_dir, args.repeats)
                command = command_waits(models_dir, picture, args.cli_repeats)
                for what in page:
                    print(f'{models_dir:<32} {what:<34} {page[what]:>8.3f}s '
                          f'{command[what]:>8.2f}s', flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == '__main__':
    main()
