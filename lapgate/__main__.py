"""`python -m lapgate`: the `lapgate` command line."""

from lapgate.board.cli import main

if __name__ == "__main__":
    main()
