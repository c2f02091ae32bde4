"""The grade records: a test's, an exercise's and a submission's result, typed.

Two JSON forms, one source (these classes):

- ``to_json(lang)`` / ``from_json(data, lang)``: grades.json's documented schema
  (``{"student", "score", "max_score", "exercises": {name: {"score", "max_score", "tests":
  [{"name", "score", "max_score", "status", "message"}]}}, "status"}``), messages in ``lang``.
- ``to_record()`` / ``from_json(record)``: the same plus what re-rendering needs without
  regrading: every message in every catalog language (``messages``), the picture data of a
  failed comparison (``picture``), a passed test's ``detail``, the notes, the grading time.
  It is what ``grade_submission`` returns and what the result cache stores.

``from_json`` is the one place that checks a record: a wrong type or an unknown status
raises ``ValueError`` naming the student, the exercise and the test.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from grader.course import messages
from grader.course.assignment import LANGUAGES

Texts = dict[str, str]  # language -> the text in it


class Status(str, enum.Enum):
    """A test's outcome."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    FORBIDDEN = "forbidden"


class SubmissionStatus(str, enum.Enum):
    """Whether a discovered folder was graded (grades.csv's and grades.json's ``status``)."""

    GRADED = "graded"
    NO_FILES = "no exercise files"
    NOT_GRADED = "could not grade"


def pick(texts: Mapping[str, str], lang: str) -> str:
    """``texts`` in ``lang``, else English, else any language it has ("" when empty)."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def _texts(value: Any, lang: str, where: str) -> Texts:
    """A message as stored: a dict language -> text, or one string in ``lang``."""
    if isinstance(value, str):
        return {lang: value} if value else {}
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    raise ValueError(f"{where}: a message must be a string or a dict language -> string, got {type(value).__name__}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    return float(value)


@dataclass
class TestResult:
    """One hidden test: points, status and the message explaining it (in every language).

    ``picture`` is the small data a failed tensor comparison carries for its figure
    (see ``grader.grading.compare.picture``); ``detail`` is what a passed test reports
    (e.g. the accuracy reached); ``misconception`` names the mistake a failure shows, when
    the checks recognise it (counted in the class report).
    """

    __test__ = False  # not a pytest test class

    name: str
    max_score: float
    status: Status = Status.ERROR
    score: float = 0.0
    messages: Texts = field(default_factory=dict)
    detail: Texts = field(default_factory=dict)
    misconception: Texts = field(default_factory=dict)
    picture: Optional[dict] = None

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    def message(self, lang: str) -> str:
        return pick(self.messages, lang)

    def to_json(self, lang: str) -> dict:
        return {"name": self.name, "score": self.score, "max_score": self.max_score,
                "status": self.status.value, "message": self.message(lang)}

    def to_record(self, lang: str) -> dict:
        record = self.to_json(lang)
        record["messages"] = self.messages
        if self.detail:
            record["detail"] = self.detail
        if self.misconception:
            record["misconception"] = self.misconception
        if self.picture is not None:
            record["picture"] = self.picture
        return record

    @classmethod
    def from_json(cls, data: Mapping, lang: str, where: str) -> "TestResult":
        where = f"{where}, test {data.get('name')!r}"
        try:
            status = Status(data["status"])
        except ValueError:
            raise ValueError(f"{where} has status {data['status']!r}, expected one of "
                             f"{[s.value for s in Status]}") from None
        picture = data.get("picture")
        if picture is not None and not isinstance(picture, dict):
            raise ValueError(f"{where}: picture must be an object")
        texts = _texts(data.get("messages", data["message"]), lang, where)
        return cls(name=str(data["name"]), max_score=_number(data["max_score"], where), status=status,
                   score=_number(data["score"], where), messages=texts,
                   detail=_texts(data.get("detail", ""), lang, where),
                   misconception=_texts(data.get("misconception", ""), lang, where), picture=picture)


@dataclass
class ExerciseResult:
    """One exercise: its tests, and the notes about running its file (e.g. a failed notebook cell)."""

    tests: list[TestResult] = field(default_factory=list)
    notes: list[Texts] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    def to_json(self, lang: str) -> dict:
        return {"score": self.score, "max_score": self.max_score, "tests": [t.to_json(lang) for t in self.tests]}

    def to_record(self, lang: str) -> dict:
        record = {"score": self.score, "max_score": self.max_score, "tests": [t.to_record(lang) for t in self.tests]}
        if self.notes:
            record["notes"] = self.notes
        return record

    @classmethod
    def from_json(cls, data: Mapping, lang: str, where: str) -> "ExerciseResult":
        tests = [TestResult.from_json(t, lang, where) for t in data["tests"]]
        return cls(tests=tests, notes=[_texts(n, lang, where) for n in data.get("notes", [])])


@dataclass
class SubmissionResult:
    """One discovered folder: its exercises when graded, else why not.

    ``lang`` is the language the grade was made in (plain-string messages are in it);
    ``seconds`` the wall time grading took.
    """

    student: str
    exercises: dict[str, ExerciseResult] = field(default_factory=dict)
    notes: list[Texts] = field(default_factory=list)
    status: SubmissionStatus = SubmissionStatus.GRADED
    reason: str = ""
    seconds: Optional[float] = None
    lang: str = "en"

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises.values()), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises.values()), 6)

    @property
    def graded(self) -> bool:
        return self.status is SubmissionStatus.GRADED

    def status_text(self) -> str:
        """grades.csv's ``status``: ``graded``, ``no exercise files`` or ``could not grade: <reason>``."""
        return f"{self.status.value}: {self.reason}" if self.status is SubmissionStatus.NOT_GRADED else self.status.value

    def status_label(self, lang: str) -> str:
        """The status in ``lang`` (the report's words)."""
        key = {SubmissionStatus.GRADED: "status_graded", SubmissionStatus.NO_FILES: "status_no_files",
               SubmissionStatus.NOT_GRADED: "status_not_graded"}[self.status]
        return messages.text(key, lang, reason=self.reason)

    def tests(self) -> list[tuple[str, TestResult]]:
        """Every (exercise, test) pair, in exercise order."""
        return [(name, test) for name, ex in self.exercises.items() for test in ex.tests]

    def to_json(self, lang: Optional[str] = None) -> dict:
        """The grades.json entry, messages in ``lang`` (default: the grading language)."""
        lang = lang or self.lang
        return {"student": self.student, "score": self.score, "max_score": self.max_score,
                "exercises": {name: ex.to_json(lang) for name, ex in self.exercises.items()},
                "status": self.status_text()}

    def to_record(self) -> dict:
        """Everything stored about the grade (a superset of ``to_json``)."""
        record = {"student": self.student, "score": self.score, "max_score": self.max_score,
                  "exercises": {name: ex.to_record(self.lang) for name, ex in self.exercises.items()},
                  "status": self.status_text(), "notes": self.notes, "lang": self.lang}
        if self.seconds is not None:
            record["seconds"] = self.seconds
        return record

    @classmethod
    def from_json(cls, data: Mapping, lang: str = "en") -> "SubmissionResult":
        """Read a grades.json entry or a record (``lang``: the language of plain-string messages).

        Raises:
            ValueError: a missing key, a wrong type or an unknown status, naming the student.
        """
        where = f"result of {data.get('student')!r}" if isinstance(data, Mapping) else "result"
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
        try:
            lang = str(data.get("lang", lang))
            status, _, reason = str(data.get("status", SubmissionStatus.GRADED.value)).partition(": ")
            try:
                submission_status = SubmissionStatus(status)
            except ValueError:
                raise ValueError(f"{where}: unknown status {status!r}") from None
            exercises = {str(name): ExerciseResult.from_json(ex, lang, f"{where}, exercise {name}")
                         for name, ex in data["exercises"].items()}
            seconds = data.get("seconds")
            return cls(student=str(data["student"]), exercises=exercises,
                       notes=[_texts(n, lang, where) for n in data.get("notes", [])],
                       status=submission_status, reason=reason,
                       seconds=None if seconds is None else _number(seconds, where), lang=lang)
        except KeyError as missing:
            raise ValueError(f"{where} lacks the key {missing}") from None
        except (TypeError, AttributeError) as error:
            raise ValueError(f"{where} is malformed: {error}") from None

    @classmethod
    def not_graded(cls, student: str, status: SubmissionStatus, reason: str = "") -> "SubmissionResult":
        """The row of a folder with no exercise files, or that the grader failed on (whose
        student is told why, in a note of their feedback page)."""
        notes = [all_languages(messages.Text("could_not_grade", reason=reason))] \
            if status is SubmissionStatus.NOT_GRADED else []
        return cls(student=student, status=status, reason=reason, notes=notes)


def all_languages(value: "messages.Text | str") -> Texts:
    """A message in every catalog language."""
    return messages.in_languages(value, LANGUAGES)
