"""The project's error for bad input, and text from outside made safe to
print, at the bottom of every import chain."""

class UsageError(Exception):
    """Bad input from the user: scripts print the message and exit with status 2."""


def shown(text):
    """text as it is safe to print: a character that is not printable (a
    line break, a terminal's escape code, a direction override) escaped as
    Python writes it, so that no file name makes a line of its own or
    reaches the terminal as a command; bytes a name held that were not
    UTF-8 as \\xNN. Printable text, accents and all, stays as it is."""
    return ''.join(character if character.isprintable() else escaped(character)
                   for character in str(text))


def escaped(character):
    if 0xDC80 <= ord(character) <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f'\\x{ord(character) - 0xDC00:02x}'
    return character.encode('unicode_escape').decode('ascii')
