"""Generate the exercise notebooks (one set per course language) from the reference solutions and the lessons.

Two sources, nothing else:
- the reference module ``solutions/cnn/<exercise>.py``, split into one code cell per
  top-level function or class (plus one cell for its imports), its docstrings in the
  notebook's language (the catalog's ``DOCSTRINGS``, see grader/authoring/docstrings.py). Cells with a
  ``### BEGIN SOLUTION`` region become nbgrader solution cells; the region keeps its
  markers, loses its ``# HINT xx:`` lines and gets the chosen language's hint as a
  comment just above it, so nbgrader's released stub still shows the hint. Cells
  without a region are read-only provided code.
- the lesson ``grader/course/lessons/<exercise>.md``: the teaching text in every language and
  the order of the cells. Its format, one block per cell::

      === markdown          a read-only text cell, one paragraph set per language:
      --- en                    (every markdown block must have every language
      English text              of LANGUAGES)
      --- es
      Texto en español
      --- fr
      Texte en français
      === code NAME         the reference's top-level NAME ("imports" for its imports)
      === demo              a runnable code cell (figures, examples); a run of
      python code               "# en: ..." / "# es: ..." / "# fr: ..." lines (one per
                                language) keeps only the chosen language, and so does a
                                run of code lines ending in "# en" / "# es" / "# fr"
                                (a plot label or a printed sentence, one line per language)
      === tests             the autograded test cell: the public checks of
      python code               grader/course/public_checks.py (their docstrings in the
                                notebook's language), then this code as the
                                ### BEGIN HIDDEN TESTS part (localized lines as in demo);
                                its messages are catalog entries named SAY["hidden_..."]

  The last cell of every notebook runs the public checks with hints (``report``).
  The notebook's own words (hint label, comments of generated cells) are the catalog's
  ``notebook_*`` entries, and its metadata records its language (``metadata["convkit"]
  ["lang"]``), which ``convkit check`` reads.

Each exercise notebook builds on the student's own earlier notebooks through
``notebook_import`` (shipped alongside): ``from output_size import calculate_out`` in the
im2col notebook loads the student's ``output_size.ipynb``. No notebook contains an
earlier exercise's solution, and each exercise is graded on its own functions.

The *source* notebooks (with solutions and hidden tests) only ever go into an nbgrader
course directory (``convkit course init``); the repository holds the *released* version,
made by nbgrader's own ClearSolutions and ClearHiddenTests, in
``assignments/notebooks/<lang>/cnn/``.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from grader.authoring import docstrings
from grader.authoring.stubs import BEGIN, regions
from grader.course import messages, public_checks
from grader.course.messages import DOCSTRING_LANGUAGE
from grader.course.assignment import (
    ASSIGNMENT,
    EXERCISES,
    GIVEN,
    LANGUAGES,
    NOTEBOOKS,
    POINTS,
    require_language,
    solution_path,
)

LESSONS = Path(__file__).resolve().parents[1] / "course" / "lessons"

CHECKS_MODULE = "convkit_checks"  # the shipped copy of grader/course/public_checks.py
CHECKS_DOCSTRINGS = "public_checks"  # the key prefix of the checks' helpers' docstrings in messages.DOCSTRINGS
SUPPORT_FILES = ("notebook_import.py", f"{CHECKS_MODULE}.py")

_BLOCK = re.compile(r"^=== (\w+)(?: (\S+))?\s*$")
_LANG = re.compile(r"^--- (\w+)\s*$")
_HINT = re.compile(r"^(\s*)#\s*HINT (\w+):\s*(.*)$")
_COMMENT_LANG = re.compile(r"^(\s*)# (\w\w): (.*)$")
_CODE_LANG = re.compile(r"^(.*\S)\s+# (\w\w)\s*$")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class LessonError(ValueError):
    """A lesson file that does not follow the block format."""


@dataclass
class Block:
    """One cell of a lesson: ``kind`` is markdown, code, demo or tests."""

    kind: str
    name: str | None
    texts: dict[str, str]  # language -> text, for markdown
    code: str  # for demo and tests


def parse_lesson(path: Path) -> list[Block]:
    """Read ``grader/course/lessons/<exercise>.md`` into its blocks (see the module docstring)."""
    blocks: list[Block] = []
    lang = None
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        block, switch = _BLOCK.match(line), _LANG.match(line)
        if block:
            blocks.append(Block(block.group(1), block.group(2), {}, ""))
            lang = None
            if blocks[-1].kind not in ("markdown", "code", "demo", "tests"):
                raise LessonError(f"{path}:{number}: unknown block '{blocks[-1].kind}'")
        elif not blocks:
            if line.strip():
                raise LessonError(f"{path}:{number}: text before the first '=== ' block")
        elif blocks[-1].kind == "markdown" and switch:
            lang = switch.group(1)
            blocks[-1].texts[lang] = ""
        elif blocks[-1].kind == "markdown":
            if lang is None:
                if line.strip():
                    raise LessonError(f"{path}:{number}: markdown text before '--- <lang>'")
                continue
            blocks[-1].texts[lang] += line + "\n"
        else:
            blocks[-1].code += line + "\n"
    for block in blocks:
        if block.kind == "markdown" and set(block.texts) != set(LANGUAGES):
            raise LessonError(f"{path}: a markdown block has languages {sorted(block.texts)}, needs {list(LANGUAGES)}")
        for group in comment_groups(block.code):
            if sorted(group) != sorted(LANGUAGES):
                raise LessonError(f"{path}: a '=== {block.kind}' block has a comment in languages {group}, "
                                  f"needs one line in each of {list(LANGUAGES)}")
    return blocks


def _localized(line: str) -> tuple[str, str, str] | None:
    """``(kind, lang, kept line)`` of a ``# <lang>: comment`` or a ``code  # <lang>`` line of
    a course language, else None. The kept line is what the chosen language's notebook shows."""
    comment, code = _COMMENT_LANG.match(line), _CODE_LANG.match(line)
    if comment and comment.group(2) in LANGUAGES:
        return "comment", comment.group(2), f"{comment.group(1)}# {comment.group(3)}"
    if code and code.group(2) in LANGUAGES:
        return "code", code.group(2), code.group(1)
    return None


def comment_groups(code: str) -> list[list[str]]:
    """The languages of each run of consecutive localized lines of ``code`` (one run per
    comment or per code line): ``# <lang>: ...`` comments, or code lines ending in ``# <lang>``.
    A language met again starts the next run."""
    groups: list[list[str]] = []
    previous = None
    for line in code.split("\n"):
        found = _localized(line)
        kind = found[0] if found else None
        if found:
            if kind != previous or found[1] in groups[-1]:
                groups.append([])
            groups[-1].append(found[1])
        previous = kind
    return groups


def split_module(exercise: str, lang: str = DOCSTRING_LANGUAGE) -> dict[str, str]:
    """The reference module's source per top-level function/class, plus ``imports``, its
    docstrings in ``lang`` (grader/authoring/docstrings.py).

    The module docstring is left out (the lesson teaches instead). A piece runs up to
    the next definition, so it keeps trailing comments such as ``### END SOLUTION``
    and any statement that follows it.
    """
    path = solution_path(exercise)
    return split_source(docstrings.translate(path.read_text(encoding="utf-8"), exercise, lang, str(path)))


def split_source(source: str) -> dict[str, str]:
    """``source`` per top-level function/class, plus ``imports`` (what comes before them)."""
    lines = source.split("\n")
    body = ast.parse(source).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    starts = [(min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1, node.name)
              for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    bounds = [(body[0].lineno - 1, "imports")] + starts + [(len(lines), "")]
    return {name: "\n".join(lines[start:end]).strip() for (start, name), (end, _) in zip(bounds, bounds[1:])}


def localize_regions(code: str, lang: str, where: str) -> str:
    """Keep each solution region, its ``lang`` hint moved above it as a comment.

    >>> print(localize_regions("    ### BEGIN SOLUTION\\n    # HINT en: add\\n    # HINT es: suma\\n    return 1\\n    ### END SOLUTION", "es", "f"))
        # Pista: suma
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION
    """
    hints = {begin: found for begin, _, _, found in regions(code, where)}
    out = []
    for number, line in enumerate(code.split("\n")):
        if number in hints:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# {messages.text('notebook_hint', lang, hint=hints[number][lang])}")
        if not _HINT.match(line):
            out.append(line)
    return "\n".join(out)


def localize_comments(code: str, lang: str) -> str:
    """Keep the localized lines of the chosen language only: ``# <lang>: text`` as ``# text``,
    ``code  # <lang>`` as ``code``.

    >>> print(localize_comments('# en: a\\n# es: b\\nplt.title("loss")  # en\\nplt.title("pérdida")  # es', "es"))
    # b
    plt.title("pérdida")
    """
    out = []
    for line in code.rstrip("\n").split("\n"):
        found = _localized(line)
        if found is None:
            out.append(line)
        elif found[1] == lang:
            out.append(found[2])
    return "\n".join(out)


def _cell_metadata(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
                   points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind: str, source: str, cell_id: str, role: str, nbgrader: dict | None) -> nbformat.NotebookNode:
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = make(source.strip("\n"))
    cell.id = cell_id
    cell.metadata = {"convkit": {"role": role}, **(nbgrader or {})}
    return cell


def tests_source(exercise: str, hidden: str, lang: str) -> str:
    """The autograded test cell: the public checks as source, then the hidden tests."""
    intro = f"# {messages.text('notebook_tests_intro', lang)}"
    calls = "\n".join(f"{check.__name__}()" for check, _ in public_checks.CHECKS[exercise])
    prelude = public_checks.prelude(exercise, lang, {lang: messages.public_check_texts(lang)})
    checks = docstrings.translate(public_checks.check_source(exercise), CHECKS_DOCSTRINGS, lang, public_checks.__file__)
    visible = f"{intro}\n{prelude}\n{checks}\n\n{calls}\n"
    # the hidden tests' messages (SAY["hidden_..."]) go with them, into the hidden part
    said = messages.texts(public_checks.said_keys(hidden), lang)
    hidden = (f"SAY.update({json.dumps(said, ensure_ascii=False, indent=4)})\n" if said else "") + hidden.strip()
    return f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS"


def check_cell_source(exercise: str, lang: str) -> str:
    """The last cell: the public checks with hints, skipped when a grader runs the notebook."""
    comment = f"# {messages.text('notebook_check_comment', lang)}"
    return (f"{comment}\nimport os\n\nif not os.environ.get(\"CONVKIT_GRADING\"):\n"
            f"    from {CHECKS_MODULE} import report\n\n    report({exercise!r}, globals(), lang={lang!r})")


def _imports_cell(exercise: str, code: str, lang: str) -> str:
    """The reference's imports; an import of an earlier exercise first loads notebook_import."""
    earlier = [name for name in EXERCISES if re.search(rf"^from {name} import", code, re.M)]
    if earlier:
        lead = f"import notebook_import  # noqa: F401  ({messages.text('notebook_import_comment', lang)})"
        code = re.sub(r"^(from __future__ import annotations\n+)?", lambda m: (m.group(0) or "") + lead + "\n", code, count=1)
    return code


def build_source_notebook(exercise: str, lang: str) -> nbformat.NotebookNode:
    """The nbgrader *source* notebook of ``exercise`` in ``lang`` (solutions and hidden tests included)."""
    pieces = split_module(exercise, lang)
    lesson = LESSONS / f"{exercise}.md"
    cells, used = [], []
    for number, block in enumerate(parse_lesson(lesson)):
        cell_id = f"{exercise}-{number:02d}"
        if block.kind == "markdown":
            cells.append(_cell("markdown", block.texts[lang], cell_id, "lesson", _cell_metadata(cell_id, locked=True)))
        elif block.kind == "demo":
            cells.append(_cell("code", localize_comments(block.code, lang), cell_id, "demo", None))
        elif block.kind == "tests":
            grade_id = f"{exercise}_tests"
            cells.append(_cell("code", tests_source(exercise, localize_comments(block.code, lang), lang), cell_id, "tests",
                               _cell_metadata(grade_id, grade=True, locked=True, points=POINTS[exercise])))
        else:
            if block.name not in pieces:
                raise LessonError(f"{lesson}: '=== code {block.name}' names nothing in {solution_path(exercise)}")
            used.append(block.name)
            code = pieces[block.name]
            if block.name == "imports":
                cells.append(_cell("code", _imports_cell(exercise, code, lang), cell_id, "setup", _cell_metadata(cell_id, locked=True)))
            elif BEGIN in code:
                source = localize_regions(code, lang, f"{solution_path(exercise)}:{block.name}")
                cells.append(_cell("code", source, cell_id, "solution", _cell_metadata(f"{exercise}_{block.name}", solution=True)))
            else:
                cells.append(_cell("code", code, cell_id, "provided", _cell_metadata(cell_id, locked=True)))
    missing = [name for name in pieces if name not in used]
    if missing or len(used) != len(set(used)):
        raise LessonError(f"{lesson}: every top-level piece must appear once; missing {missing}, used {used}")
    if not any(cell.metadata["convkit"]["role"] == "tests" for cell in cells):
        raise LessonError(f"{lesson}: no '=== tests' block")
    cells.append(_cell("code", check_cell_source(exercise, lang), f"{exercise}-check", "check", None))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"},
                         "convkit": {"exercise": exercise, "lang": lang}}
    return notebook


def release(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What nbgrader releases: solutions replaced by stubs, hidden tests removed."""
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    copy, _ = ClearSolutions().preprocess(copy, {})
    copy, _ = ClearHiddenTests().preprocess(copy, {})
    return copy


def checks_module_source() -> str:
    """``convkit_checks.py``: grader/course/public_checks.py with every exercise's hints, the
    report's words and the checks' messages (from the catalog) filled in, so the shipped file
    needs nothing of the kit."""
    hints: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for exercise in EXERCISES:
        path = solution_path(exercise)
        for _, _, owner, found in regions(path.read_text(encoding="utf-8"), str(path)):
            for lang in LANGUAGES:
                hints[lang].setdefault(owner, found[lang])
    source = Path(public_checks.__file__).read_text(encoding="utf-8")
    header = "# Generated from grader/course/public_checks.py by `convkit notebooks`; do not edit.\n"
    words = {lang: messages.check_words(lang) for lang in LANGUAGES}
    sayings = {lang: messages.public_check_texts(lang) for lang in LANGUAGES}
    return (f"{header}{source}\nHINTS = {json.dumps(hints, ensure_ascii=False, indent=1, sort_keys=True)}\n"
            f"WORDS = {json.dumps(words, ensure_ascii=False, indent=1, sort_keys=True)}\n"
            f"SAYINGS = {json.dumps(sayings, ensure_ascii=False, indent=1, sort_keys=True)}\n")


def support_files() -> dict[str, str]:
    """Files shipped next to the notebooks: the given modules and the notebook helpers."""
    files = {f"{module}.py": solution_path(module).read_text(encoding="utf-8") for module in GIVEN}
    files["notebook_import.py"] = (Path(__file__).resolve().parents[1] / "runtime" / "notebook_import.py").read_text(encoding="utf-8")
    files[f"{CHECKS_MODULE}.py"] = checks_module_source()
    return files


def render(lang: str, *, solutions: bool) -> dict[str, str]:
    """Every file of the ``cnn`` notebook assignment as ``{file name: text}``.

    Args:
        lang: one of LANGUAGES.
        solutions: True for nbgrader's source version, False for the released one.
    """
    require_language(lang, "notebooks")
    files = support_files()
    for exercise in EXERCISES:
        notebook = build_source_notebook(exercise, lang)
        files[f"{exercise}.ipynb"] = nbformat.writes(notebook if solutions else release(notebook)) + "\n"
    return files


def write(target: Path, lang: str, *, solutions: bool) -> list[Path]:
    """Write :func:`render`'s files into ``target`` (created if needed); returns the paths."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(lang, solutions=solutions).items():
        (target / name).write_text(text, encoding="utf-8")
        written.append(target / name)
    return written


def released_dir(lang: str) -> Path:
    """Where the released notebooks of ``lang`` are committed: assignments/notebooks/<lang>/cnn."""
    return NOTEBOOKS / lang / ASSIGNMENT


