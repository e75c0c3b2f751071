"""Start a page to play with the models: draw and watch the class posteriors,
complete a drawing, sample grids; on this machine only (127.0.0.1)."""
from pixel_rnn import cli, page, runner, startup

PORT = 7860  # Gradio's own default


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=cli.int_in_range(1, 65535, 'port'), default=PORT,
                        help='the port the page listens on')
    parser.add_argument('--models_dir', nargs='+', metavar='FOLDER', default=[],
                        help='also offer these sets (folders of model files of any data set), '
                             'the first chosen; the shipped sets are always offered')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    folders = page.offered(args.models_dir)  # each refused in one line before Keras starts
    page.check_port(args.port)
    startup.start_keras()
    page.serve(folders, args.port)


if __name__ == '__main__':
    runner.run(main)
