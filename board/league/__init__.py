"""Season results: imports, standings (AWS and community points), prizes and exports.

Functions here work on the plain records of `board.league.model`; the store fills them.
"""
