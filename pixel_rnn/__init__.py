"""pixel-rnn's library, under util.py."""
