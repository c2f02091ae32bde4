"""Red team: read a classmate's answer from the sibling folder of the class.

Tries the relative path a flat class folder gives and the class folder's host path
(filled in by the test, as if the student knew where the instructor keeps it).
"""
import os

CLASS = "@CLASS@"


def attack():
    for folder in ("..", CLASS):
        try:
            open(os.path.join(folder, "alice", "output_size.py")).read()
            return True
        except OSError:
            continue
    return False
