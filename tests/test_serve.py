"""serve.py's page, driven in a real headless Chromium (Debian's chromium,
through Playwright): a 1 drawn with the mouse is read as a 1, completions
and samples come, and sampling gives generate.py's grid; bad input is
answered on the page in words, and two pages at once get what each gets
alone. The page's screenshot goes to $PIXEL_RNN_SCREENSHOT where set
(make screenshot: docs/page.png), else to the test's own folder."""
import io
import os
import queue
import shutil
import socket
import subprocess
import threading
import time

import numpy as np
import pytest
from PIL import Image

from conftest import assert_one_line, run_in_process, run_script, start

BROWSERS = ('chromium', 'chromium-browser', 'google-chrome')
START_TIMEOUT = 300  # seconds for the server to start Keras and build the first set
ANSWER_TIMEOUT = 120_000  # milliseconds for one answer on a busy machine
SETTLED = 3  # seconds
LABEL = '#posteriors [data-testid="label-output-value"]'


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.fixture(scope='module')
def browser():
    executable = next(filter(None, map(shutil.which, BROWSERS)), None)
    if executable is None:
        pytest.skip('no Chromium installed (apt-get install chromium; .ci/run installs it)')
    sync_api = pytest.importorskip('playwright.sync_api')
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable)
        yield chromium
        chromium.close()


@pytest.fixture(scope='module')
def server():
    """The page's address, served by serve.py in a process of its own."""
    port = free_port()
    process = start(['serve.py', f'--port={port}'], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    said = []
    try:
        while not said or 'Serving the page at' not in said[-1]:
            said.append(lines.get(timeout=START_TIMEOUT))
        assert said[-1].strip() == f'Serving the page at http://127.0.0.1:{port} (Ctrl-C stops it)'
        yield f'http://127.0.0.1:{port}/'
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert 'Traceback' not in ''.join(said)


def opened(browser, server):
    """A new page (a browser of its own, as another person's) at the server,
    the addresses it asks for beyond the server kept in page.outside."""
    context = browser.new_context(viewport={'width': 1200, 'height': 1450})
    page = context.new_page()
    page.outside = []
    page.on('request', lambda request: request.url.startswith(server)
            or page.outside.append(request.url))
    page.goto(server)
    brush(page)
    return page


def brush(page):
    """The canvas's brush in hand: it starts, and is left after a clear, without one."""
    page.get_by_role('button', name='Brush').click()


def stroke(page, *points):
    """A mouse stroke through points, each (x, y) as shares of the canvas."""
    box = page.locator('#canvas canvas').first.bounding_box()
    places = [(box['x'] + box['width'] * x, box['y'] + box['height'] * y) for x, y in points]
    page.mouse.move(*places[0])
    page.mouse.down()
    for place in places[1:]:
        page.mouse.move(*place, steps=4)
    page.mouse.up()


def one(page):
    stroke(page, (0.5, 0.22), (0.5, 0.78))


def zero(page):
    ring = np.linspace(0, 2 * np.pi, 16)
    stroke(page, *zip(0.5 + 0.2 * np.sin(ring), 0.5 - 0.27 * np.cos(ring)))


def answer(page):
    """The posteriors and bits/dim the page shows for the whole drawing: a
    stroke's first touch may be answered first, so once the page has shown
    the same answer, and waited for none, for SETTLED seconds."""
    page.wait_for_selector(LABEL, timeout=ANSWER_TIMEOUT)
    shown, since = None, time.monotonic()
    while time.monotonic() - since < SETTLED:
        waiting = 'hide' not in page.locator('#posteriors .wrap').first.get_attribute('class')
        now = page.locator('#posteriors').inner_text(), page.locator('#likeness').inner_text()
        if waiting or now != shown:
            shown, since = now, time.monotonic()
        page.wait_for_timeout(200)
    return shown


def message(page, *words):
    """The page's message, once it holds words."""
    for word in words:
        page.locator('#message', has_text=word).wait_for(timeout=ANSWER_TIMEOUT)
    return page.locator('#message').inner_text()


def picture(page, selector):
    """The picture an image output of the page shows, as an array."""
    image = page.locator(f'{selector} img')
    image.wait_for(timeout=ANSWER_TIMEOUT)
    response = page.request.get(image.get_attribute('src'))
    return np.asarray(Image.open(io.BytesIO(response.body())))


def clear(page):
    page.get_by_role('button', name='Clear canvas').click()
    message(page, 'the canvas is empty')
    brush(page)


@pytest.mark.slow
def test_a_1_drawn_is_read_as_a_1_and_completions_and_generate_s_samples_come(
        browser, server, tmp_path):
    page = opened(browser, server)
    one(page)
    posteriors, likeness = answer(page)
    assert page.locator(LABEL).inner_text() == '1'
    assert posteriors.split()[2:4] == ['1', '1']  # its title, the headline, then 1 first
    assert likeness.startswith('Under the model of 1: ') and 'bits/dim' in likeness
    assert page.locator('#seen img').is_visible()
    page.get_by_role('button', name='Complete').click()
    completed = picture(page, '#completed')
    assert completed.shape[:2] == (32, 7 * 32 + 6)  # kept, 5 completions, whole
    page.get_by_role('button', name='Sample').click()
    sampled = picture(page, '#sampled')
    out = tmp_path / 'grid.png'
    result = run_in_process('generate.py', '--digit=0', '--seed=0', f'--out={out}')
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(sampled, np.asarray(Image.open(out)))
    page.screenshot(path=os.environ.get('PIXEL_RNN_SCREENSHOT') or tmp_path / 'page.png',
                    full_page=True)
    assert page.outside == []  # offline: nothing asked of the web


@pytest.mark.slow
def test_bad_input_is_answered_on_the_page_and_it_serves_on(browser, server, tmp_path):
    page = opened(browser, server)
    one(page)
    answer(page)
    clear(page)
    assert page.locator(LABEL).count() == 0
    bad = tmp_path / 'scan.png'
    bad.write_text('not a picture')
    page.locator('#drop input[type=file]').set_input_files(bad)
    said = message(page, 'scan.png is not a picture')
    assert str(tmp_path) not in said and 'Traceback' not in page.content()
    chosen = page.get_by_label('set of models (or type a folder of one)')
    chosen.fill(str(tmp_path))
    chosen.press('Enter')
    message(page, f'{tmp_path} is not a set of models')
    page.get_by_label('set of models (or type a folder of one)').fill('trained/mnist_models')
    page.get_by_label('set of models (or type a folder of one)').press('Enter')
    page.locator('#message', has_text='not a set').wait_for(state='detached',
                                                               timeout=ANSWER_TIMEOUT)
    one(page)
    answer(page)
    assert page.locator(LABEL).inner_text() == '1'


@pytest.mark.slow
def test_two_pages_at_once_get_what_each_gets_alone(browser, server):
    drawings = (one, zero)
    alone = []
    for draw in drawings:
        page = opened(browser, server)
        draw(page)
        alone.append(answer(page))
    assert alone[0] != alone[1]
    pages = [opened(browser, server) for _ in drawings]
    for page, draw in zip(pages, drawings):
        draw(page)
    assert [answer(page) for page in pages] == alone


def test_bad_flags_are_refused_in_one_line_before_keras_starts(tmp_path):
    assert_one_line(run_in_process('serve.py', '--port=0'), 2, "'0' is not a valid port")
    assert_one_line(run_in_process('serve.py', f'--models_dir={tmp_path}'), 2,
                    f'{tmp_path} is not a set of models')
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_script('-X', 'importtime', 'serve.py', f'--port={port}', timeout=120)
    assert result.returncode == 2, result.stderr
    assert f'serve.py: error: --port {port}: cannot listen there' in result.stderr
    assert ' keras' not in result.stderr and 'gradio' not in result.stderr
