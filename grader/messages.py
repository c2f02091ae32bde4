"""Every sentence the grader shows a student, in English and Spanish.

``text(key, lang, **fields)`` formats one entry. Messages name what the student's code
did and what was expected; they never quote hidden test code or reference source.
"""
from __future__ import annotations

from typing import Any

CATALOG: dict[str, dict[str, str]] = {
    # ---- student code did not produce a value
    "raised": {
        "en": "{function} raised {type}: {error}{trace}",
        "es": "{function} lanzó {type}: {error}{trace}",
    },
    "missing_file": {
        "en": "no {module}.py or {module}.ipynb in the submission, so this exercise scores 0",
        "es": "la entrega no tiene {module}.py ni {module}.ipynb, así que este ejercicio vale 0",
    },
    "missing_function": {
        "en": "{error}: define it with exactly this name (see the exercise's API)",
        "es": "{error}: defínela exactamente con este nombre (ver la API del ejercicio)",
    },
    "load_failed": {
        "en": "could not run {file}: {type}: {error}{trace}\nEvery test of this exercise fails until the file runs.",
        "es": "no se pudo ejecutar {file}: {type}: {error}{trace}\nTodas las pruebas de este ejercicio fallan hasta que el archivo se ejecute.",
    },
    "load_timeout": {
        "en": "{file} did not finish running within {seconds} s; guard long demos (training loops, plots) "
              "with `if not os.environ.get(\"CONVKIT_GRADING\"):`",
        "es": "{file} no terminó de ejecutarse en {seconds} s; protege las demostraciones largas (entrenamientos, "
              "gráficos) con `if not os.environ.get(\"CONVKIT_GRADING\"):`",
    },
    "load_crashed": {
        "en": "running {file} stopped the grading process: {reason}",
        "es": "ejecutar {file} detuvo el proceso de corrección: {reason}",
    },
    "timeout": {
        "en": "{function} did not finish within {seconds} s",
        "es": "{function} no terminó en {seconds} s",
    },
    "timeout_again": {
        "en": "{function} already went over the time limit ({seconds} s) in an earlier test, so it was not run again",
        "es": "{function} ya superó el límite de tiempo ({seconds} s) en una prueba anterior, así que no se volvió a ejecutar",
    },
    "budget": {
        "en": "not run: the time budget for this submission was used up",
        "es": "no se ejecutó: se agotó el tiempo asignado a esta entrega",
    },
    "crashed": {
        "en": "{function} stopped the grading process: {reason}",
        "es": "{function} detuvo el proceso de corrección: {reason}",
    },
    "crashed_again": {
        "en": "{function} already stopped the grading process in an earlier test ({reason}), so it was not run again",
        "es": "{function} ya detuvo el proceso de corrección en una prueba anterior ({reason}), así que no se volvió a ejecutar",
    },
    "forbidden_static": {
        "en": "{function} uses {routine} ({file}, line {line}: `{text}`), which this exercise forbids: "
              "compute it yourself",
        "es": "{function} usa {routine} ({file}, línea {line}: `{text}`), que este ejercicio prohíbe: "
              "calcúlalo tú mismo",
    },
    "forbidden_runtime": {
        "en": "{function} called {routine} while running, which this exercise forbids: compute it yourself",
        "es": "{function} llamó a {routine} durante su ejecución, que este ejercicio prohíbe: calcúlalo tú mismo",
    },
    "grader_error": {
        "en": "internal grader error ({type}); this is not your fault, please tell your instructor",
        "es": "error interno del corrector ({type}); no es culpa tuya, avisa a tu profesor",
    },
    # ---- notes about the submission as a whole
    "cell_failed": {
        "en": "cell {cell} of {file} raised {type}: {message} (functions defined before it are still graded)",
        "es": "la celda {cell} de {file} lanzó {type}: {message} (las funciones definidas antes se corrigen igual)",
    },
    "skipped_file": {
        "en": "{file} was not copied for grading (folders, links and very large files are left out)",
        "es": "{file} no se copió para la corrección (se omiten carpetas, enlaces y archivos muy grandes)",
    },
    "both_formats": {
        "en": "both {module}.py and {module}.ipynb were found; {module}.py was graded",
        "es": "se encontraron {module}.py y {module}.ipynb; se corrigió {module}.py",
    },
    "no_suite": {
        "en": "there are no hidden tests for {exercise} yet",
        "es": "todavía no hay pruebas ocultas para {exercise}",
    },
    # ---- comparisons (grader/compare.py)
    "not_tensor": {
        "en": "{stage}: expected a tensor, got {got}",
        "es": "{stage}: se esperaba un tensor, se obtuvo {got}",
    },
    "shape": {
        "en": "{stage}: expected shape {expected}, got shape {actual}",
        "es": "{stage}: se esperaba la forma {expected}, se obtuvo la forma {actual}",
    },
    "dtype": {
        "en": "{stage}: expected dtype {expected}, got {actual}",
        "es": "{stage}: se esperaba el dtype {expected}, se obtuvo {actual}",
    },
    "value": {
        "en": "{stage}: first wrong element at index {index}{window}: expected {expected}, got {actual} "
              "({count} of {total} elements differ)",
        "es": "{stage}: primer elemento incorrecto en el índice {index}{window}: se esperaba {expected}, "
              "se obtuvo {actual} ({count} de {total} elementos difieren)",
    },
    "scalar": {
        "en": "{stage}: expected {expected}, got {actual}",
        "es": "{stage}: se esperaba {expected}, se obtuvo {actual}",
    },
    "should_raise": {
        "en": "{stage}: expected ValueError for {case}, but it returned {got}",
        "es": "{stage}: se esperaba ValueError para {case}, pero devolvió {got}",
    },
    "raised_other": {
        "en": "{stage}: expected ValueError for {case}, but it raised {type}: {error}",
        "es": "{stage}: se esperaba ValueError para {case}, pero lanzó {type}: {error}",
    },
    "mutated": {
        "en": "{stage}: the call changed its input {name}; a function must not modify its arguments",
        "es": "{stage}: la llamada modificó su entrada {name}; una función no debe modificar sus argumentos",
    },
    "call": {
        "en": "\n  call: {call}",
        "es": "\n  llamada: {call}",
    },
    "window_conv": {
        "en": " (it reads input rows {rows} and columns {cols}{padding})",
        "es": " (lee las filas {rows} y las columnas {cols} de la entrada{padding})",
    },
    "window_padding": {
        "en": ", counting the zero padding",
        "es": ", contando el relleno de ceros",
    },
    "window_col": {
        "en": " (kernel element channel {channel}, row {ki}, column {kj} of window {window}: input pixel ({row}, {col}))",
        "es": " (elemento del kernel canal {channel}, fila {ki}, columna {kj} de la ventana {window}: píxel ({row}, {col}) de la entrada)",
    },
    "window_pixel": {
        "en": " (the sum of every window that covers pixel ({row}, {col}))",
        "es": " (la suma de todas las ventanas que cubren el píxel ({row}, {col}))",
    },
    "window_length": {
        "en": " (it reads input positions {positions})",
        "es": " (lee las posiciones {positions} de la entrada)",
    },
    # ---- stages: which part of a result broke
    "part_output": {"en": "output", "es": "salida"},
    "part_values": {"en": "values", "es": "valores"},
    "part_indices": {"en": "indices", "es": "índices"},
    "part_sizes": {"en": "output sizes", "es": "tamaños de salida"},
    "part_columns": {"en": "columns", "es": "columnas"},
    "part_image": {"en": "folded image", "es": "imagen reconstruida"},
    "part_input_grad": {"en": "input gradient", "es": "gradiente de la entrada"},
    "part_dX": {"en": "dX (input gradient)", "es": "dX (gradiente de la entrada)"},
    "part_dW": {"en": "dW (weight gradient)", "es": "dW (gradiente de los pesos)"},
    "part_db": {"en": "db (bias gradient)", "es": "db (gradiente del sesgo)"},
    "part_weight": {"en": "weight gradient", "es": "gradiente de weight"},
    "part_bias": {"en": "bias gradient", "es": "gradiente de bias"},
    "part_fc_weight": {"en": "fc_weight gradient", "es": "gradiente de fc_weight"},
    "part_fc_bias": {"en": "fc_bias gradient", "es": "gradiente de fc_bias"},
    "part_keys": {"en": "returned keys", "es": "claves devueltas"},
    "part_parameters": {"en": "parameter names and shapes", "es": "nombres y formas de los parámetros"},
    "part_inputs": {"en": "inputs after the call", "es": "entradas después de la llamada"},
}


def text(key: str, lang: str, **fields: Any) -> str:
    """The catalog entry ``key`` in ``lang`` (English if missing), formatted with ``fields``."""
    entry = CATALOG[key]
    return entry.get(lang, entry["en"]).format(**fields)


def stage(function: str, part: str, lang: str) -> str:
    """A stage label such as "maxpool2d_unfold: indices" (``part`` is a ``part_*`` key or plain text)."""
    key = f"part_{part}"
    return f"{function}: {text(key, lang) if key in CATALOG else part}"
