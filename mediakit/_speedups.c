/* Native helpers: column primitives for the compiled schema predicates
 * (mediakit/_schema_compile.py), a table's rows as columns (mediakit/kinds/_table_inputs.py),
 * the curve reduction of mediakit/plot/_curves.py, the point-cloud records of
 * mediakit/kinds/_obj3d_fill.py, GIF palette mapping and frame deltas (mediakit/formats/gif.py),
 * video frames as 4:2:0 planes (mediakit/formats/_yuv.py), the DEFLATE block walker of
 * mediakit/formats/png.py and the confusion-matrix counts of mediakit/plot/_curves.py.
 *
 * Validating a descriptor with 100,000 boxes in pure Python takes about thirty C-level passes
 * (map(type, ...), itemgetter, sum) over every block of boxes; most of the time goes to
 * reaching the same dicts and numbers again. These functions do the same checks in one pass
 * each. They only ever *accept* what the pure-Python column code accepts: whenever they meet
 * something they do not handle (a dict subclass, a key that is not exactly a str, a float
 * subclass, a non-finite number) they answer None and the caller falls back to the Python path,
 * which decides and names the problem.
 *
 * No Python code runs inside these loops: dicts are walked with PyDict_Next (no hashing, no
 * __eq__), keys are compared as exact str objects by identity or by their code points, types
 * are compared by identity. Every object stored into a result is a new reference. Allocating a
 * result *can* run Python code (a garbage collection runs finalizers, gc callbacks, lets other
 * threads in), so inputs are re-checked after each allocation and borrowed objects are owned
 * before one; results are untracked by the collector while they hold empty slots.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Exact-str equality without calling into Python (both arguments are exact str). */
static int
same_str(PyObject *a, PyObject *b)
{
    if (a == b) {
        return 1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) {
        return 0;
    }
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH_READ(p) __builtin_prefetch((const void *)(p), 0, 3)
#define PREFETCH_WRITE(p) __builtin_prefetch((const void *)(p), 1, 3)
#else
#define PREFETCH_READ(p) ((void)(p))
#define PREFETCH_WRITE(p) ((void)(p))
#endif

/* Ask for the memory of the dicts a few places ahead of dict i of `items` (a list's item
 * array of n), in three stages: the dict object 16 places ahead, its key table 8 ahead, and
 * the value objects 4 ahead (walked with PyDict_Next; their reference counts are written when
 * the values are collected). A list of dicts that came from json.loads or a builder is spread
 * over the heap; without this each dict, key table and value is a cache miss waited for in
 * turn, and on a busy host those misses are most of the time. Only hints: nothing is read
 * that the dict at that place would not give, and no result depends on them. */
static inline void
prefetch_dicts(PyObject *const *items, Py_ssize_t i, Py_ssize_t n)
{
    if (i + 16 < n) {
        PREFETCH_READ(items[i + 16]);
    }
    if (i + 8 < n) {
        PyObject *d = items[i + 8];
        if (PyDict_CheckExact(d)) {
            const char *k = (const char *)((PyDictObject *)d)->ma_keys;
            PREFETCH_READ(k);
            PREFETCH_READ(k + 64);
            PREFETCH_READ(k + 128);
            if (((PyDictObject *)d)->ma_values != NULL) {
                PREFETCH_READ(((PyDictObject *)d)->ma_values);
            }
        }
    }
    if (i + 4 < n) {
        PyObject *d = items[i + 4];
        if (PyDict_CheckExact(d)) {
            Py_ssize_t pos = 0;
            PyObject *key, *value;
            while (PyDict_Next(d, &pos, &key, &value)) {
                PREFETCH_WRITE(value);
            }
        }
    }
}

/* A tuple of k new containers with n empty slots each (`make` is PyList_New or PyTuple_New),
 * all untracked by the collector while they hold NULLs: gc.get_objects() or a gc callback in a
 * collection run by a later allocation must not hand them to Python code. track_columns()
 * tracks them again once they are complete. (The shared empty tuple, which PyTuple_New(0)
 * gives, is never tracked: untracking it does nothing and track_again() leaves it alone.) */
static PyObject *
untracked_columns(Py_ssize_t k, Py_ssize_t n, PyObject *(*make)(Py_ssize_t))
{
    PyObject *out = PyTuple_New(k);
    if (out == NULL || k == 0) {
        return out;
    }
    PyObject_GC_UnTrack(out);
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *col = make(n);
        if (col == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject_GC_UnTrack(col);
        PyTuple_SET_ITEM(out, j, col);
    }
    return out;
}

/* Track a container again unless it is the shared empty tuple (never untracked here). */
static void
track_again(PyObject *op)
{
    if (!(PyTuple_CheckExact(op) && PyTuple_GET_SIZE(op) == 0) && !PyObject_GC_IsTracked(op)) {
        PyObject_GC_Track(op);
    }
}

static PyObject *
track_columns(PyObject *out)
{
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(out); j++) {
        track_again(PyTuple_GET_ITEM(out, j));
    }
    track_again(out);
    return out;
}

#define MAX_KEYS 64

/* columns(values: list, keys: tuple[str, ...]) -> tuple[list, ...] | None
 *
 * (The names must be distinct: a repeated name fills only its first column.)
 * When every value is an exact dict whose keys are all exact str and all among `keys`, returns
 * one list per key holding the values under that key (in order; values lacking the key are
 * skipped). Otherwise None. */
static PyObject *
columns(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "columns(values: list, keys: tuple of str)");
        return NULL;
    }
    PyObject *vs = args[0], *keys = args[1];
    Py_ssize_t k = PyTuple_GET_SIZE(keys);
    if (k > MAX_KEYS) {
        Py_RETURN_NONE;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(keys, j))) {
            PyErr_SetString(PyExc_TypeError, "columns: keys must be str");
            return NULL;
        }
    }
    Py_ssize_t n = PyList_GET_SIZE(vs);
    Py_ssize_t count[MAX_KEYS] = {0};
    /* The key object last seen at each entry position and the column it belongs to: values
     * built alike share key objects in the same order, so most keys match by identity. */
    PyObject *seen_key[MAX_KEYS] = {NULL};
    Py_ssize_t seen_col[MAX_KEYS] = {0};
    PyObject *out = untracked_columns(k, n, PyList_New);
    if (out == NULL) {
        return NULL;
    }
    /* A collection during those allocations may have run Python code (finalizers, gc callbacks,
     * other threads) that changed vs; nothing below allocates, so checking its size here is
     * enough (its items are read afresh). */
    if (PyList_GET_SIZE(vs) != n) {
        goto give_up;
    }
    PyObject *const *items = ((PyListObject *)vs)->ob_item;
    for (Py_ssize_t i = 0; i < n; i++) {
        prefetch_dicts(items, i, n);
        PyObject *d = PyList_GET_ITEM(vs, i);
        if (!PyDict_CheckExact(d) || PyDict_GET_SIZE(d) > k) {
            goto give_up;
        }
        Py_ssize_t pos = 0, slot = 0;
        PyObject *key, *value;
        while (PyDict_Next(d, &pos, &key, &value)) {
            if (!PyUnicode_CheckExact(key)) {
                goto give_up;
            }
            Py_ssize_t j = -1;
            if (slot < MAX_KEYS && seen_key[slot] == key) {
                j = seen_col[slot];
            }
            else {
                for (Py_ssize_t m = 0; m < k; m++) {
                    if (same_str(key, PyTuple_GET_ITEM(keys, m))) {
                        j = m;
                        break;
                    }
                }
                if (j < 0) {
                    goto give_up;
                }
                if (slot < MAX_KEYS) {
                    seen_key[slot] = key; /* compared by address only, never dereferenced */
                    seen_col[slot] = j;
                }
            }
            /* A dict holds each key once, so a column gets at most one value per dict. */
            Py_INCREF(value);
            PyList_SET_ITEM(PyTuple_GET_ITEM(out, j), count[j]++, value);
            slot++;
        }
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        if (count[j] < n && PyList_SetSlice(PyTuple_GET_ITEM(out, j), count[j], n, NULL) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return track_columns(out);

give_up:
    /* Unfilled slots are NULL, which list deallocation skips. */
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *col = PyTuple_GET_ITEM(out, j);
        for (Py_ssize_t m = count[j]; m < n; m++) {
            PyList_SET_ITEM(col, m, NULL);
        }
    }
    Py_DECREF(out);
    Py_RETURN_NONE;
}

/* The item array of an exact list or tuple. */
static inline PyObject *const *
row_items(PyObject *r)
{
    return PyList_CheckExact(r) ? (PyObject *const *)((PyListObject *)r)->ob_item : ((PyTupleObject *)r)->ob_item;
}

/* Whether all n rows are exact lists or tuples of k items. */
static int
rows_fit(PyObject *const *rows, Py_ssize_t n, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!(PyList_CheckExact(rows[i]) || PyTuple_CheckExact(rows[i])) || Py_SIZE(rows[i]) != k) {
            return 0;
        }
    }
    return 1;
}

/* transpose(rows: list, width: int) -> tuple[tuple, ...] | None
 *
 * When every row is an exact list or exact tuple of `width` items, the table's columns: one
 * tuple per position holding that item of every row, in order (what zip(*rows) gives).
 * Otherwise None (the caller's Python code then finds and names the bad row). The rows of a
 * table built in a loop lie all over the heap; the row objects, their item arrays and the cells
 * are asked for 16, 8 and 4 rows ahead, which zip cannot do (a table of 10,000 x 6 cells whose
 * objects are scattered: 3x faster than zip here). */
static PyObject *
transpose(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyLong_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "transpose(rows: list, width: int)");
        return NULL;
    }
    PyObject *rows = args[0];
    Py_ssize_t k = PyLong_AsSsize_t(args[1]);
    if (k < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "transpose: width must be >= 0");
        }
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(rows);
    if (!rows_fit(((PyListObject *)rows)->ob_item, n, k)) { /* before allocating k * n slots */
        Py_RETURN_NONE;
    }
    PyObject *out = untracked_columns(k, n, PyTuple_New);
    if (out == NULL) {
        return NULL;
    }
    /* Python code run by a collection during those allocations may have changed the rows:
     * check them again (nothing below allocates). */
    PyObject *const *items = ((PyListObject *)rows)->ob_item;
    if (PyList_GET_SIZE(rows) != n || !rows_fit(items, n, k)) {
        Py_DECREF(out); /* the column tuples hold only NULLs, which tuple deallocation skips */
        Py_RETURN_NONE;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + 16 < n) {
            PREFETCH_READ(items[i + 16]);
        }
        if (i + 8 < n) {
            PyObject *const *ahead = row_items(items[i + 8]);
            PREFETCH_READ(ahead);
            if (k > 8) {
                PREFETCH_READ(ahead + 8);
            }
        }
        if (i + 4 < n) {
            PyObject *const *ahead = row_items(items[i + 4]);
            for (Py_ssize_t j = 0; j < k && j < 16; j++) {
                PREFETCH_WRITE(ahead[j]);
            }
        }
        PyObject *const *cells = row_items(items[i]);
        for (Py_ssize_t j = 0; j < k; j++) {
            Py_INCREF(cells[j]);
            PyTuple_SET_ITEM(PyTuple_GET_ITEM(out, j), i, cells[j]);
        }
    }
    return track_columns(out);
}

/* values(maps: list) -> list | None
 *
 * When every item is an exact dict whose keys are all exact str, all their values in order;
 * otherwise None. */
static PyObject *
values(PyObject *Py_UNUSED(module), PyObject *vs)
{
    if (!PyList_CheckExact(vs)) {
        PyErr_SetString(PyExc_TypeError, "values(maps: list)");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(vs), total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyList_GET_ITEM(vs, i);
        if (!PyDict_CheckExact(d)) {
            Py_RETURN_NONE;
        }
        total += PyDict_GET_SIZE(d);
    }
    PyObject *out = PyList_New(total);
    if (out == NULL) {
        return NULL;
    }
    /* Python code run by a collection in PyList_New may have changed vs or its dicts: check
     * them again (nothing below allocates). */
    Py_ssize_t at = 0;
    if (PyList_GET_SIZE(vs) != n) {
        goto give_up;
    }
    PyObject *const *items = ((PyListObject *)vs)->ob_item;
    for (Py_ssize_t i = 0; i < n; i++) {
        prefetch_dicts(items, i, n);
        PyObject *d = PyList_GET_ITEM(vs, i);
        if (!PyDict_CheckExact(d)) {
            goto give_up;
        }
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(d, &pos, &key, &value)) {
            if (!PyUnicode_CheckExact(key) || at >= total) {
                goto give_up;
            }
            Py_INCREF(value);
            PyList_SET_ITEM(out, at++, value);
        }
    }
    if (at == total) {
        return out;
    }
give_up: /* unfilled slots are NULL, which list deallocation skips */
    Py_DECREF(out);
    Py_RETURN_NONE;
}

/* numbers(values: list) -> (all_int, smallest, largest) | None
 *
 * When every value is an exact int or an exact finite float (never a bool, which is not a
 * JSON number), whether all are ints and the smallest and largest value (None for an empty
 * list). Otherwise None. */
static PyObject *
numbers(PyObject *Py_UNUSED(module), PyObject *vs)
{
    if (!PyList_CheckExact(vs)) {
        PyErr_SetString(PyExc_TypeError, "numbers(values: list)");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(vs);
    int all_int = 1;
    PyObject *lo = NULL, *hi = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyList_GET_ITEM(vs, i);
        PyTypeObject *t = Py_TYPE(x);
        if (t == &PyFloat_Type) {
            double v = PyFloat_AS_DOUBLE(x);
            if (!isfinite(v)) {
                Py_RETURN_NONE;
            }
            all_int = 0;
            if (lo == NULL) {
                lo = hi = x;
                continue;
            }
            if (Py_TYPE(lo) == &PyFloat_Type && Py_TYPE(hi) == &PyFloat_Type) {
                if (v < PyFloat_AS_DOUBLE(lo)) {
                    lo = x;
                }
                else if (v > PyFloat_AS_DOUBLE(hi)) {
                    hi = x;
                }
                continue;
            }
        }
        else if (t != &PyLong_Type) {
            Py_RETURN_NONE;
        }
        else if (lo == NULL) {
            lo = hi = x;
            continue;
        }
        /* Exact int and float compare in C (any size of int, no Python code). */
        int less = PyObject_RichCompareBool(x, lo, Py_LT);
        if (less < 0) {
            return NULL;
        }
        if (less) {
            lo = x;
            continue;
        }
        int more = PyObject_RichCompareBool(x, hi, Py_GT);
        if (more < 0) {
            return NULL;
        }
        if (more) {
            hi = x;
        }
    }
    /* lo and hi are borrowed from vs: own them before allocating the result, since a collection
     * in that allocation may run Python code that drops vs's references to them. */
    lo = lo ? lo : Py_None;
    hi = hi ? hi : Py_None;
    Py_INCREF(lo);
    Py_INCREF(hi);
    PyObject *r = PyTuple_Pack(3, all_int ? Py_True : Py_False, lo, hi);
    Py_DECREF(lo);
    Py_DECREF(hi);
    return r;
}

/* only(values: list, kind: type) -> bool: every value's type is exactly `kind`. */
static PyObject *
only(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyType_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "only(values: list, kind: type)");
        return NULL;
    }
    PyObject *vs = args[0];
    PyTypeObject *kind = (PyTypeObject *)args[1];
    Py_ssize_t n = PyList_GET_SIZE(vs);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_TYPE(PyList_GET_ITEM(vs, i)) != kind) {
            Py_RETURN_FALSE;
        }
    }
    Py_RETURN_TRUE;
}

/* rdp(x, y, tol, limit, keep) -> kept | -1 | None
 *
 * The Ramer-Douglas-Peucker reduction of mediakit.plot._curves.reduce, with the same floating
 * point operations in the same order (so the same points are kept, bit for bit): x and y are
 * C-contiguous float64 buffers of one length n, keep a writable bool buffer of n bytes, all
 * false but the first and last. Marks the kept points in keep and returns how many there are,
 * or -1 as soon as more than `limit` (an int, or None for no limit) would be kept. None when a value is not
 * finite (the Python code decides then). */
static int
float_buffer(PyObject *obj, Py_buffer *view, const char *name, int writable)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        return -1;
    }
    const char *want = writable ? "?" : "d";
    if (view->ndim != 1 || view->format == NULL || strcmp(view->format, want) != 0) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "rdp: %s must be a 1-D %s array", name, writable ? "bool" : "float64");
        return -1;
    }
    return 0;
}

static PyObject *
rdp(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "rdp(x, y, tol, limit, keep)");
        return NULL;
    }
    double tol = PyFloat_AsDouble(args[2]);
    if (tol == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    int has_limit = args[3] != Py_None;
    Py_ssize_t limit = has_limit ? PyLong_AsSsize_t(args[3]) : 0;
    if (limit == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer bx, by, bk;
    if (float_buffer(args[0], &bx, "x", 0) < 0) {
        return NULL;
    }
    if (float_buffer(args[1], &by, "y", 0) < 0) {
        PyBuffer_Release(&bx);
        return NULL;
    }
    if (float_buffer(args[4], &bk, "keep", 1) < 0) {
        PyBuffer_Release(&bx);
        PyBuffer_Release(&by);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t n = bx.shape[0], *stack = NULL;
    const double *x = (const double *)bx.buf, *y = (const double *)by.buf;
    char *keep = (char *)bk.buf;
    if (by.shape[0] != n || bk.shape[0] != n || n < 3) {
        PyErr_SetString(PyExc_ValueError, "rdp: x, y and keep must have one length of at least 3");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    /* Each split pops one segment and pushes two: at most n + 1 segments wait at once. */
    stack = PyMem_Malloc(sizeof(Py_ssize_t) * 2 * (size_t)(n + 1));
    if (stack == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t top = 0, kept = 2;
    stack[0] = 0;
    stack[1] = n - 1;
    top = 1;
    Py_BEGIN_ALLOW_THREADS
    while (top > 0) {
        top--;
        Py_ssize_t i = stack[2 * top], j = stack[2 * top + 1];
        if (j - i < 2) {
            continue;
        }
        double xi = x[i], yi = y[i], dx = x[j] - xi, dy = y[j] - yi;
        double norm = hypot(dx, dy), best = 0.0;
        Py_ssize_t k = i + 1;
        for (Py_ssize_t m = i + 1; m < j; m++) {
            double d = norm == 0.0 ? hypot(x[m] - xi, y[m] - yi) : fabs(dy * (x[m] - xi) - dx * (y[m] - yi)) / norm;
            if (m == i + 1 || d > best) {
                best = d;
                k = m;
            }
        }
        if (best > tol) {
            Py_ssize_t m = k, span = j - i;
            Py_ssize_t near = m - i < j - m ? m - i : j - m;
            if (span > 64 && near < span / 8) {
                m = (i + j) / 2;
            }
            keep[m] = 1;
            kept++;
            if (has_limit && kept > limit) {
                kept = -1;
                break;
            }
            stack[2 * top] = i;
            stack[2 * top + 1] = m;
            stack[2 * top + 2] = m;
            stack[2 * top + 3] = j;
            top += 2;
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(kept);
done:
    PyMem_Free(stack);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&by);
    PyBuffer_Release(&bk);
    return result;
}

/* fill_points(src, dst, offset, start, stop) -> (lo, hi)
 *
 * Rows start..stop of src, a C-contiguous (N, 6) float64 or float32 buffer of x y z r g b,
 * cast into the 15-byte records of a binary PLY held by dst (a writable byte buffer; record i at
 * byte offset + 15 i: float32 x y z in native order, which the caller checks is little-endian,
 * then uint8 r g b). What mediakit.kinds._obj3d_fill._fill_rgb_slice does with numpy, in one
 * pass with the GIL released: each value cast to float32 (values beyond float32 become inf), each
 * colour rounded half up as (uint8)(c + 0.5f) for colours in [0, 255] (other colours are
 * refused by the caller, which then raises; 0 is written for them). Returns the six columns'
 * minima and maxima after the cast, NaN for a column holding a NaN. */
static PyObject *
fill_points(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "fill_points(src, dst, offset, start, stop)");
        return NULL;
    }
    Py_ssize_t offset = PyLong_AsSsize_t(args[2]), start = PyLong_AsSsize_t(args[3]), stop = PyLong_AsSsize_t(args[4]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer bs, bd;
    if (PyObject_GetBuffer(args[0], &bs, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    int is_double = bs.format != NULL && strcmp(bs.format, "d") == 0;
    int is_float = bs.format != NULL && strcmp(bs.format, "f") == 0;
    if (bs.ndim != 2 || bs.shape[1] != 6 || !(is_double || is_float)) {
        PyBuffer_Release(&bs);
        PyErr_SetString(PyExc_TypeError, "fill_points: src must be a C-contiguous (N, 6) float64 or float32 array");
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &bd, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&bs);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t n = bs.shape[0];
    if (start < 0 || stop < start || stop > n || offset < 0 || (bd.len - offset) / 15 < stop) {
        PyErr_SetString(PyExc_ValueError, "fill_points: rows or offset outside the buffers");
        goto done;
    }
    float lo[6], hi[6];
    int nan[6] = {0};
    for (int c = 0; c < 6; c++) {
        lo[c] = INFINITY;
        hi[c] = -INFINITY;
    }
    const double *sd = (const double *)bs.buf;
    const float *sf = (const float *)bs.buf;
    unsigned char *out = (unsigned char *)bd.buf + offset;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = start; i < stop; i++) {
        float f[6];
        for (int c = 0; c < 6; c++) {
            /* a double beyond float32 converts to inf (IEEE; what numpy's cast gives) */
            f[c] = is_double ? (float)sd[6 * i + c] : sf[6 * i + c];
            if (f[c] != f[c]) {
                nan[c] = 1;
            }
            else {
                if (f[c] < lo[c]) {
                    lo[c] = f[c];
                }
                if (f[c] > hi[c]) {
                    hi[c] = f[c];
                }
            }
        }
        unsigned char *rec = out + 15 * i;
        memcpy(rec, f, 12);
        for (int c = 3; c < 6; c++) {
            rec[9 + c] = f[c] >= 0.0f && f[c] <= 255.0f ? (unsigned char)(f[c] + 0.5f) : 0;
        }
    }
    Py_END_ALLOW_THREADS
    PyObject *l = PyTuple_New(6), *h = PyTuple_New(6);
    if (l == NULL || h == NULL) {
        Py_XDECREF(l);
        Py_XDECREF(h);
        goto done;
    }
    for (int c = 0; c < 6; c++) {
        PyObject *a = PyFloat_FromDouble(nan[c] ? NAN : lo[c]), *b = PyFloat_FromDouble(nan[c] ? NAN : hi[c]);
        if (a == NULL || b == NULL) {
            Py_XDECREF(a);
            Py_XDECREF(b);
            Py_DECREF(l);
            Py_DECREF(h);
            goto done;
        }
        PyTuple_SET_ITEM(l, c, a);
        PyTuple_SET_ITEM(h, c, b);
    }
    result = PyTuple_Pack(2, l, h);
    Py_DECREF(l);
    Py_DECREF(h);
done:
    PyBuffer_Release(&bs);
    PyBuffer_Release(&bd);
    return result;
}

/* gif_delta(idx, prev, out, frame, keep) -> None
 *
 * The frames of idx (uint8 palette indices, C-contiguous, whole frames of `frame` pixels) into
 * out (writable, as long), with `keep` wherever a pixel's index is the one the frame before had
 * (prev, the frame before the first, or None: the first is copied whole). What
 * mediakit.formats.gif._delta does with numpy, without the GIL (it runs on the LZW workers). */
static PyObject *
gif_delta(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "gif_delta(idx, prev, out, frame, keep)");
        return NULL;
    }
    Py_ssize_t frame = PyLong_AsSsize_t(args[3]);
    long keep = PyLong_AsLong(args[4]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (frame <= 0 || keep < 0 || keep > 255) {
        PyErr_SetString(PyExc_ValueError, "gif_delta: frame must be positive and keep a byte");
        return NULL;
    }
    Py_buffer bi, bp = {0}, bo;
    int has_prev = args[1] != Py_None;
    if (PyObject_GetBuffer(args[0], &bi, PyBUF_C_CONTIGUOUS) < 0) {
        return NULL;
    }
    if (has_prev && PyObject_GetBuffer(args[1], &bp, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bi);
        return NULL;
    }
    if (PyObject_GetBuffer(args[2], &bo, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&bi);
        if (has_prev) {
            PyBuffer_Release(&bp);
        }
        return NULL;
    }
    PyObject *result = NULL;
    if (bi.itemsize != 1 || bo.itemsize != 1 || bo.len != bi.len || bi.len % frame != 0 || (has_prev && (bp.itemsize != 1 || bp.len != frame))) {
        PyErr_SetString(PyExc_ValueError, "gif_delta: idx, out (same length, whole frames) and prev (one frame) must be byte buffers");
        goto done;
    }
    {
        const unsigned char *in = (const unsigned char *)bi.buf, *before = has_prev ? (const unsigned char *)bp.buf : NULL;
        unsigned char *out = (unsigned char *)bo.buf, k = (unsigned char)keep;
        Py_ssize_t total = bi.len;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t start = 0; start < total; start += frame) {
            const unsigned char *restrict cur = in + start, *restrict last = start ? in + start - frame : before;
            unsigned char *restrict dst = out + start;
            if (last == NULL) {
                memcpy(dst, cur, (size_t)frame);
                continue;
            }
            for (Py_ssize_t i = 0; i < frame; i++) { /* branch-free: vectorised */
                dst[i] = last[i] == cur[i] ? k : cur[i];
            }
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bi);
    if (has_prev) {
        PyBuffer_Release(&bp);
    }
    PyBuffer_Release(&bo);
    return result;
}

/* palette_map(frames, out, cells, boxes, palette)
 *
 * Nearest-colour indices of a sequence of `frames` (uint8 (H, W, C), any strides, C >= 3: the
 * first three channels are R, G, B) into `out` (C-contiguous bytes, one per pixel, frame after
 * frame), by the rule of Pillow's Image.quantize(palette=..., dither=NONE) (Palette.c): a colour
 * maps to the entry of `palette` (3 bytes per entry, as Pillow holds them) nearest by squared
 * distance to the corner (r & ~3, g & ~3, b & ~3) of its 4x4x4 cell, the lowest index on ties.
 * Pillow fills a whole 32x32x32 box of cells at the first miss in it; here a box only gets its
 * candidate list at the first miss (the entries that can be nearest anywhere in it, after
 * Heckbert: those whose least distance to the box is at most the smallest greatest distance of
 * any entry), and each cell is computed from that list at its own first miss. The nearest entry
 * is always a candidate, so each cell's index is Pillow's.
 *
 * `cells` (2^18 bytes, indexed as Pillow's cache: index + 1, 0 not yet computed: so at most 255
 * entries, as a GIF colour palette with its transparent index has) and `boxes`
 * (512 * 258 bytes: per box a state byte (0 empty, 1 being filled, 2 filled), the count less
 * one and the candidates) belong to the palette and start zeroed. Several threads may map with
 * the same palette at once (the GIL is released): a box's list is written by the one thread that
 * claims it and read only once it is marked filled (release/acquire); a cell holds one value,
 * the same whichever thread computes it, so the indices never depend on timing. */
#define BOX_BYTES 258

static void
fill_box(const unsigned char *pal, int size, int box, unsigned char *list)
{
    int lo[3] = {(box & 7) << 5, ((box >> 3) & 7) << 5, (box >> 6) << 5};
    unsigned int dmin[256], dmax = ~0u;
    for (int i = 0; i < size; i++) {
        unsigned int near = 0, far = 0;
        for (int k = 0; k < 3; k++) {
            int v = pal[3 * i + k], a = lo[k], b = lo[k] + 31, mid = (a + b) / 2;
            int dn = v < a ? a - v : (v > b ? v - b : 0);
            int df = v <= mid ? b - v : v - a;
            near += (unsigned int)(dn * dn);
            far += (unsigned int)(df * df);
        }
        dmin[i] = near;
        if (far < dmax) {
            dmax = far;
        }
    }
    int count = 0;
    for (int i = 0; i < size; i++) {
        if (dmin[i] <= dmax) {
            list[1 + count++] = (unsigned char)i;
        }
    }
    list[0] = (unsigned char)(count - 1); /* at least the entry whose greatest distance is dmax */
}

/* The candidate list of `box`, made first if no thread has made it. */
static const unsigned char *
box_list(const unsigned char *pal, int size, int box, unsigned char *boxes)
{
    unsigned char *state = boxes + (Py_ssize_t)box * BOX_BYTES, *list = state + 1;
    if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == 2) {
        return list;
    }
    unsigned char expected = 0;
    if (__atomic_compare_exchange_n(state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        fill_box(pal, size, box, list);
        __atomic_store_n(state, 2, __ATOMIC_RELEASE);
        return list;
    }
    while (__atomic_load_n(state, __ATOMIC_ACQUIRE) != 2) {
        /* another thread is making it (about a microsecond) */
    }
    return list;
}

/* Index + 1 of the entry nearest to the corner of the cell of (r, g, b). */
static unsigned char
nearest(const unsigned char *pal, int size, unsigned int r, unsigned int g, unsigned int b, unsigned char *boxes,
        const unsigned char **lists)
{
    unsigned int box = (r >> 5) | ((g >> 5) << 3) | ((b >> 5) << 6);
    const unsigned char *list = lists[box];
    if (list == NULL) {
        list = lists[box] = box_list(pal, size, (int)box, boxes);
    }
    int cr = (int)(r & 0xfc), cg = (int)(g & 0xfc), cb = (int)(b & 0xfc), count = list[0] + 1, best = 0;
    unsigned int dbest = ~0u;
    for (int k = 0; k < count; k++) {
        const unsigned char *e = pal + 3 * list[1 + k];
        int dr = cr - e[0], dg = cg - e[1], db = cb - e[2];
        unsigned int d = (unsigned int)(dr * dr + dg * dg + db * db);
        if (d < dbest) {
            dbest = d;
            best = list[1 + k];
        }
    }
    return (unsigned char)(best + 1);
}

/* One row of pixels (`cols` of them, `ps` bytes apart, channels `cs` apart) to `out`. */
static void
map_row(const unsigned char *restrict px, Py_ssize_t ps, Py_ssize_t cs, Py_ssize_t cols, unsigned char *restrict out,
        const unsigned char *pal, int size, unsigned char *cells, unsigned char *boxes, const unsigned char **lists)
{
    const unsigned char *restrict gp = px + cs, *restrict bp = px + 2 * cs;
    for (Py_ssize_t x = 0; x < cols; x++) {
        unsigned int r = px[x * ps], g = gp[x * ps], b = bp[x * ps];
        unsigned char *cell = cells + ((r >> 2) | ((g >> 2) << 6) | ((b >> 2) << 12));
        unsigned char v = __atomic_load_n(cell, __ATOMIC_RELAXED);
        if (v == 0) {
            v = nearest(pal, size, r, g, b, boxes, lists);
            __atomic_store_n(cell, v, __ATOMIC_RELAXED);
        }
        out[x] = (unsigned char)(v - 1);
    }
}

static PyObject *
palette_map(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "palette_map(frames, out, cells, boxes, palette)");
        return NULL;
    }
    PyObject *frames = PySequence_Tuple(args[0]); /* owned items: nothing can swap them */
    if (frames == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(frames), got = 0;
    Py_buffer *bs = PyMem_Calloc(n > 0 ? (size_t)n : 1, sizeof(Py_buffer));
    Py_buffer bo = {0}, bc = {0}, bb = {0}, bp = {0};
    int held = 0; /* how many of bo, bc, bb, bp are held */
    PyObject *result = NULL;
    if (bs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (; got < n; got++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(frames, got), bs + got, PyBUF_STRIDED_RO) < 0) {
            goto done;
        }
    }
    if (PyObject_GetBuffer(args[1], &bo, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 1;
    if (PyObject_GetBuffer(args[2], &bc, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 2;
    if (PyObject_GetBuffer(args[3], &bb, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 3;
    if (PyObject_GetBuffer(args[4], &bp, PyBUF_C_CONTIGUOUS) < 0) {
        goto done;
    }
    held = 4;
    int ok = bo.itemsize == 1 && bc.len == (1 << 18) && bb.len == 512 * BOX_BYTES && bp.len >= 3 && bp.len <= 765 &&
             bp.len % 3 == 0;
    Py_ssize_t pixels = 0;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        ok = bs[i].itemsize == 1 && bs[i].ndim == 3 && bs[i].shape[2] >= 3;
        pixels += ok ? bs[i].shape[0] * bs[i].shape[1] : 0;
    }
    if (!ok || bo.len != pixels) {
        PyErr_SetString(PyExc_ValueError,
                        "palette_map: frames must be (H, W, C>=3) bytes, out one byte per pixel, cells 2^18 bytes, boxes "
                        "512 * 258 bytes and palette 1 to 255 RGB entries");
        goto done;
    }
    {
        const unsigned char *pal = (const unsigned char *)bp.buf;
        int size = (int)(bp.len / 3);
        unsigned char *cells = (unsigned char *)bc.buf;
        unsigned char *boxes = (unsigned char *)bb.buf, *out = (unsigned char *)bo.buf;
        Py_BEGIN_ALLOW_THREADS
        const unsigned char *lists[512] = {NULL}; /* the boxes this call has seen made */
        for (Py_ssize_t i = 0; i < n; i++) {
            const Py_ssize_t rs = bs[i].strides[0], ps = bs[i].strides[1], cs = bs[i].strides[2];
            const Py_ssize_t rows = bs[i].shape[0], cols = bs[i].shape[1];
            const unsigned char *const top = (const unsigned char *)bs[i].buf;
            for (Py_ssize_t y = 0; y < rows; y++) {
                map_row(top + y * rs, ps, cs, cols, out, pal, size, cells, boxes, lists);
                out += cols;
            }
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    for (Py_ssize_t i = 0; i < got; i++) {
        PyBuffer_Release(bs + i);
    }
    PyMem_Free(bs);
    if (held >= 1) {
        PyBuffer_Release(&bo);
    }
    if (held >= 2) {
        PyBuffer_Release(&bc);
    }
    if (held >= 3) {
        PyBuffer_Release(&bb);
    }
    if (held >= 4) {
        PyBuffer_Release(&bp);
    }
    Py_DECREF(frames);
    return result;
}

/* yuv420(frame, y, y_stride, u, u_stride, v, v_stride)
 *
 * One frame (uint8 (H, W, C), any strides; C = 1 grey, 3 RGB or 4 RGBA, alpha ignored) to
 * 8-bit 4:2:0 planes (an odd last row or column counts twice in its 2x2 blocks), BT.601 limited range (what FFmpeg's converter writes for an
 * untagged stream): Y = 16 + (16829 R + 33039 G + 6416 B) / 2^16 per pixel, and Cb, Cr from each
 * 2x2 block's sums with coefficients that sum to 0 (greys stay exactly 128), rounded half up.
 * Integer arithmetic only: mediakit/formats/_yuv.py does the same in numpy, value for value. */
#define YR 16829
#define YG 33039
#define YB 6416
#define UR (-9714)
#define UG (-19071)
#define UB 28785
#define VR 28784
#define VG (-24103)
#define VB (-4681)

/* Two rows of pixels (`b` is `a` again for the last row of an odd height: `yb` is then NULL) to
 * their rows of Y and one row of Cb and Cr; an odd width's last column counts twice in its block. */
__attribute__((optimize("O3"))) static void
yuv_rows(const unsigned char *restrict a, const unsigned char *restrict b, Py_ssize_t ps, Py_ssize_t cs, Py_ssize_t w,
         unsigned char *restrict ya, unsigned char *restrict yb, unsigned char *restrict uo, unsigned char *restrict vo)
{
    for (Py_ssize_t i = 0; i < w; i++) {
        const unsigned char *p = a + i * ps;
        ya[i] = (unsigned char)((YR * p[0] + YG * p[cs] + YB * p[2 * cs] + (16 << 16) + (1 << 15)) >> 16);
    }
    if (yb != NULL) {
        for (Py_ssize_t i = 0; i < w; i++) {
            const unsigned char *q = b + i * ps;
            yb[i] = (unsigned char)((YR * q[0] + YG * q[cs] + YB * q[2 * cs] + (16 << 16) + (1 << 15)) >> 16);
        }
    }
    for (Py_ssize_t i = 0; i < (w + 1) / 2; i++) {
        const unsigned char *p = a + 2 * i * ps, *q = b + 2 * i * ps;
        Py_ssize_t n = 2 * i + 1 < w ? ps : 0; /* the pixel to the right, or this one again */
        int sr = p[0] + p[n] + q[0] + q[n];
        int sg = p[cs] + p[n + cs] + q[cs] + q[n + cs];
        int sb = p[2 * cs] + p[n + 2 * cs] + q[2 * cs] + q[n + 2 * cs];
        uo[i] = (unsigned char)((UR * sr + UG * sg + UB * sb + (128 << 18) + (1 << 17)) >> 18);
        vo[i] = (unsigned char)((VR * sr + VG * sg + VB * sb + (128 << 18) + (1 << 17)) >> 18);
    }
}

static PyObject *
yuv420(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "yuv420(frame, y, y_stride, u, u_stride, v, v_stride)");
        return NULL;
    }
    Py_ssize_t ys = PyLong_AsSsize_t(args[2]), us = PyLong_AsSsize_t(args[4]), vs = PyLong_AsSsize_t(args[6]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer bf, by = {0}, bu = {0}, bv = {0};
    if (PyObject_GetBuffer(args[0], &bf, PyBUF_STRIDED_RO) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    int held = 0;
    if (PyObject_GetBuffer(args[1], &by, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 1;
    if (PyObject_GetBuffer(args[3], &bu, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 2;
    if (PyObject_GetBuffer(args[5], &bv, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        goto done;
    }
    held = 3;
    {
        Py_ssize_t h = bf.ndim == 3 ? bf.shape[0] : 0, w = bf.ndim == 3 ? bf.shape[1] : 0;
        Py_ssize_t c = bf.ndim == 3 ? bf.shape[2] : 0;
        Py_ssize_t ch = (h + 1) / 2, cw = (w + 1) / 2; /* chroma rows and columns */
        if (bf.itemsize != 1 || bf.ndim != 3 || !(c == 1 || c == 3 || c == 4) || ys < w || us < cw || vs < cw ||
            by.len < (h > 0 ? (h - 1) * ys + w : 0) || bu.len < (ch > 0 ? (ch - 1) * us + cw : 0) ||
            bv.len < (ch > 0 ? (ch - 1) * vs + cw : 0)) {
            PyErr_SetString(PyExc_ValueError, "yuv420: frame must be (H, W, 1|3|4) bytes and the planes hold it");
            goto done;
        }
        const Py_ssize_t rs = bf.strides[0], ps = bf.strides[1], cs = c == 1 ? 0 : bf.strides[2];
        const unsigned char *top = (const unsigned char *)bf.buf;
        unsigned char *py = (unsigned char *)by.buf, *pu = (unsigned char *)bu.buf, *pv = (unsigned char *)bv.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t j = 0; j < h; j += 2) {
            int pair = j + 1 < h;
            yuv_rows(top + j * rs, top + (pair ? j + 1 : j) * rs, ps, cs, w, py + j * ys, pair ? py + (j + 1) * ys : NULL,
                     pu + (j / 2) * us, pv + (j / 2) * vs);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bf);
    if (held >= 1) {
        PyBuffer_Release(&by);
    }
    if (held >= 2) {
        PyBuffer_Release(&bu);
    }
    if (held >= 3) {
        PyBuffer_Release(&bv);
    }
    return result;
}

/* deflate_tail(stream) -> (final, end)
 *
 * Walks a raw DEFLATE stream (RFC 1951) without inflating it: the bit offset of its last block's
 * BFINAL bit and the bit offset just after that block (bits are numbered from the first byte's
 * least significant bit). mediakit.formats.png uses them to join two independently compressed
 * streams into one (the first one's final flag cleared, an empty stored block to align):
 * libdeflate compresses whole buffers only, so this is how both cores deflate one image.
 * Raises ValueError for a stream that is not valid DEFLATE or ends early. */
#define PRIM_BITS 11

typedef struct {
    const unsigned char *p;
    Py_ssize_t n;
    unsigned long long pos; /* in bits */
} bit_reader;

typedef struct {
    unsigned short table[1 << PRIM_BITS]; /* symbol << 4 | length for codes of up to PRIM_BITS, else 0 */
    unsigned short count[16];             /* codes of each length */
    unsigned short symbol[288];           /* symbols ordered by (length, value) */
} huffman;

static int
bits_left(const bit_reader *b, int k)
{
    return b->pos + (unsigned long long)k <= (unsigned long long)b->n * 8;
}

/* The next k (at most 25) bits, least significant first; bits past the end read as 0. */
static unsigned int
peek_bits(const bit_reader *b, int k)
{
    Py_ssize_t i = (Py_ssize_t)(b->pos >> 3);
    unsigned long long v = 0;
    if (i + 8 <= b->n) {
        memcpy(&v, b->p + i, 8); /* little-endian hosts (x86-64, arm64) */
    } else {
        for (Py_ssize_t j = 0; i + j < b->n && j < 8; j++) {
            v |= (unsigned long long)b->p[i + j] << (8 * j);
        }
    }
    return (unsigned int)(v >> (b->pos & 7)) & ((1u << k) - 1);
}

static int
take_bits(bit_reader *b, int k, unsigned int *out)
{
    if (!bits_left(b, k)) {
        return -1;
    }
    *out = k ? peek_bits(b, k) : 0;
    b->pos += (unsigned long long)k;
    return 0;
}

/* A canonical Huffman code from its lengths (0: unused); -1 when over-subscribed. */
static int
huffman_build(huffman *h, const unsigned char *lengths, int n)
{
    unsigned short offs[16];
    int left = 1;
    memset(h->count, 0, sizeof h->count);
    memset(h->table, 0, sizeof h->table);
    for (int s = 0; s < n; s++) {
        h->count[lengths[s]]++;
    }
    h->count[0] = 0;
    for (int len = 1; len < 16; len++) {
        left = 2 * left - h->count[len];
        if (left < 0) {
            return -1;
        }
    }
    offs[1] = 0;
    for (int len = 1; len < 15; len++) {
        offs[len + 1] = (unsigned short)(offs[len] + h->count[len]);
    }
    for (int s = 0; s < n; s++) {
        if (lengths[s]) {
            h->symbol[offs[lengths[s]]++] = (unsigned short)s;
        }
    }
    /* The fast table: each short code, bit-reversed (the stream holds codes first bit first). */
    unsigned int code = 0;
    int k = 0;
    for (int len = 1; len <= PRIM_BITS; len++) {
        for (int c = 0; c < h->count[len]; c++, k++, code++) {
            unsigned int rev = 0;
            for (int j = 0; j < len; j++) {
                rev |= ((code >> j) & 1u) << (len - 1 - j);
            }
            for (unsigned int slot = rev; slot < (1u << PRIM_BITS); slot += 1u << len) {
                h->table[slot] = (unsigned short)(h->symbol[k] << 4 | len);
            }
        }
        code <<= 1;
    }
    return 0;
}

/* The next symbol of code h, or -1. */
static int
huffman_decode(bit_reader *b, const huffman *h)
{
    unsigned short e = h->table[peek_bits(b, PRIM_BITS)];
    if (e != 0) {
        if (!bits_left(b, e & 15)) {
            return -1;
        }
        b->pos += e & 15;
        return e >> 4;
    }
    int code = 0, first = 0, index = 0; /* a long code: one bit at a time */
    for (int len = 1; len < 16; len++) {
        unsigned int bit;
        if (take_bits(b, 1, &bit) < 0) {
            return -1;
        }
        code |= (int)bit;
        int count = h->count[len];
        if (code - count < first) {
            return h->symbol[index + (code - first)];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

static const unsigned char LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

/* Skips one compressed block's symbols, up to and including its end-of-block. The hot loop keeps
 * the next bits in a local 64-bit buffer (at least 32 after each refill; bits past the end read
 * as 0 and are counted, so running out is an error); a code longer than PRIM_BITS (rare) goes
 * through the bit reader. */
static int
skip_codes(bit_reader *b, const huffman *lit, const huffman *dist)
{
    const unsigned char *p = b->p;
    const Py_ssize_t n = b->n;
    Py_ssize_t next = 0;
    unsigned long long buf = 0;
    int have = 0, missing = 0;
#define LOAD()                                                                     \
    do {                                                                           \
        next = (Py_ssize_t)(b->pos >> 3);                                          \
        buf = 0;                                                                   \
        have = 0;                                                                  \
        missing = 0;                                                               \
        REFILL();                                                                  \
        DROP((int)(b->pos & 7));                                                   \
    } while (0)
#define REFILL()                                                                   \
    do {                                                                           \
        if (next + 8 <= n) {                                                       \
            unsigned long long w;                                                  \
            memcpy(&w, p + next, 8);                                               \
            buf |= w << have;                                                      \
            next += (63 - have) >> 3;                                              \
            have |= 56;                                                            \
        } else {                                                                   \
            while (have <= 56) {                                                   \
                if (next < n) {                                                    \
                    buf |= (unsigned long long)p[next] << have;                    \
                } else {                                                           \
                    missing += 8;                                                  \
                }                                                                  \
                next++;                                                            \
                have += 8;                                                         \
            }                                                                      \
        }                                                                          \
    } while (0)
#define DROP(k)                                                                    \
    do {                                                                           \
        buf >>= (k);                                                               \
        have -= (k);                                                               \
    } while (0)
#define SAVE() (b->pos = (unsigned long long)next * 8 - (unsigned long long)have)
#define SYMBOL(h, out)                                                             \
    do {                                                                           \
        unsigned short e_ = (h)->table[buf & ((1u << PRIM_BITS) - 1)];             \
        if (e_ != 0) {                                                             \
            DROP(e_ & 15);                                                         \
            (out) = e_ >> 4;                                                       \
        } else {                                                                   \
            SAVE();                                                                \
            (out) = huffman_decode(b, (h));                                        \
            LOAD();                                                                \
        }                                                                          \
    } while (0)
    LOAD();
    for (;;) {
        if (have < 32) {
            REFILL();
        }
        if (have < missing) {
            return -1;
        }
        int s;
        SYMBOL(lit, s);
        if (s < 0 || s > 285) {
            return -1;
        }
        if (s < 256) {
            continue;
        }
        if (s == 256) {
            SAVE();
            return have >= missing ? 0 : -1;
        }
        DROP(LENGTH_EXTRA[s - 257]); /* at most 5 bits: still 32 - 15 - 5 left */
        if (have < 32) {
            REFILL();
        }
        int d;
        SYMBOL(dist, d);
        if (d < 0 || d > 29) {
            return -1;
        }
        if (have < 32) {
            REFILL();
        }
        DROP(d < 4 ? 0 : d / 2 - 1); /* at most 13 bits */
    }
#undef LOAD
#undef REFILL
#undef DROP
#undef SAVE
#undef SYMBOL
}

static int
walk_deflate(bit_reader *b, unsigned long long *final_bit)
{
    static const unsigned char ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    huffman lit, dist, pre;
    unsigned char lengths[320];
    for (;;) {
        unsigned long long start = b->pos;
        unsigned int last, type, v;
        if (take_bits(b, 1, &last) < 0 || take_bits(b, 2, &type) < 0) {
            return -1;
        }
        if (type == 0) { /* stored: to the byte boundary, LEN, NLEN, LEN bytes */
            b->pos = (b->pos + 7) & ~7ull;
            unsigned int len, nlen;
            if (take_bits(b, 16, &len) < 0 || take_bits(b, 16, &nlen) < 0 || (len ^ 0xffff) != nlen || !bits_left(b, 8 * (int)len)) {
                return -1;
            }
            b->pos += 8ull * len;
        } else if (type == 1) { /* fixed codes */
            for (int s = 0; s < 288; s++) {
                lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
            }
            huffman_build(&lit, lengths, 288);
            memset(lengths, 5, 30);
            huffman_build(&dist, lengths, 30);
            if (skip_codes(b, &lit, &dist) < 0) {
                return -1;
            }
        } else if (type == 2) { /* dynamic codes: their lengths, coded */
            unsigned int hlit, hdist, hclen;
            if (take_bits(b, 5, &hlit) < 0 || take_bits(b, 5, &hdist) < 0 || take_bits(b, 4, &hclen) < 0) {
                return -1;
            }
            hlit += 257;
            hdist += 1;
            hclen += 4;
            if (hlit > 286 || hdist > 30) {
                return -1;
            }
            unsigned char cl[19] = {0};
            for (unsigned int k = 0; k < hclen; k++) {
                if (take_bits(b, 3, &v) < 0) {
                    return -1;
                }
                cl[ORDER[k]] = (unsigned char)v;
            }
            if (huffman_build(&pre, cl, 19) < 0) {
                return -1;
            }
            unsigned int k = 0;
            while (k < hlit + hdist) {
                int s = huffman_decode(b, &pre);
                unsigned int rep, fill = 0;
                if (s < 0) {
                    return -1;
                }
                if (s < 16) {
                    lengths[k++] = (unsigned char)s;
                    continue;
                }
                if (s == 16) {
                    if (k == 0 || take_bits(b, 2, &rep) < 0) {
                        return -1;
                    }
                    fill = lengths[k - 1];
                    rep += 3;
                } else if (s == 17) {
                    if (take_bits(b, 3, &rep) < 0) {
                        return -1;
                    }
                    rep += 3;
                } else {
                    if (take_bits(b, 7, &rep) < 0) {
                        return -1;
                    }
                    rep += 11;
                }
                if (k + rep > hlit + hdist) {
                    return -1;
                }
                while (rep--) {
                    lengths[k++] = (unsigned char)fill;
                }
            }
            if (lengths[256] == 0 || huffman_build(&lit, lengths, (int)hlit) < 0 ||
                huffman_build(&dist, lengths + hlit, (int)hdist) < 0 || skip_codes(b, &lit, &dist) < 0) {
                return -1;
            }
        } else {
            return -1;
        }
        if (last) {
            *final_bit = start;
            return 0;
        }
    }
}

static PyObject *
deflate_tail(PyObject *Py_UNUSED(module), PyObject *arg)
{
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    bit_reader b = {(const unsigned char *)buf.buf, buf.len, 0};
    unsigned long long final_bit = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = walk_deflate(&b, &final_bit);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    if (rc < 0) {
        PyErr_SetString(PyExc_ValueError, "deflate_tail: not a complete DEFLATE stream");
        return NULL;
    }
    return Py_BuildValue("(KK)", final_bit, b.pos);
}

/* confusion(y, p, n, out) -> bool
 *
 * Adds each pair's count into `out` (n * n int64, zeroed: row y, column p) in one pass over `y`
 * and `p` (int64 class indices, as long as each other), without the GIL. False, with `out` left
 * partly filled, as soon as an index is outside 0..n-1: the caller then finds and names it. */
static PyObject *
confusion(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "confusion(y, p, n, out)");
        return NULL;
    }
    Py_ssize_t n = PyLong_AsSsize_t(args[2]);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer by, bp, bo;
    if (PyObject_GetBuffer(args[0], &by, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &bp, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&by);
        return NULL;
    }
    if (PyObject_GetBuffer(args[3], &bo, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&by);
        PyBuffer_Release(&bp);
        return NULL;
    }
    PyObject *result = NULL;
#define IS_I64(b) ((b).itemsize == 8 && (b).format != NULL && ((b).format[0] == 'q' || (b).format[0] == 'l') && (b).format[1] == 0)
    if (!IS_I64(by) || !IS_I64(bp) || !IS_I64(bo) || by.len != bp.len || n <= 0 || n > 46340 || bo.len != n * n * 8) {
        PyErr_SetString(PyExc_ValueError, "confusion: y and p must be int64 of one length, out n * n int64");
        goto done;
    }
#undef IS_I64
    {
        const long long *y = (const long long *)by.buf, *p = (const long long *)bp.buf;
        long long *out = (long long *)bo.buf;
        Py_ssize_t count = by.len / 8;
        unsigned long long k = (unsigned long long)n;
        int ok = 1;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < count; i++) {
            unsigned long long a = (unsigned long long)y[i], b = (unsigned long long)p[i]; /* negatives wrap: too big */
            if (a >= k || b >= k) {
                ok = 0;
                break;
            }
            out[a * k + b]++;
        }
        Py_END_ALLOW_THREADS
        result = Py_NewRef(ok ? Py_True : Py_False);
    }
done:
    PyBuffer_Release(&by);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bo);
    return result;
}

static PyMethodDef methods[] = {
    {"columns", (PyCFunction)(void (*)(void))columns, METH_FASTCALL,
     "columns(values, keys) -> one list per key, or None when a value is not a plain dict of those str keys"},
    {"transpose", (PyCFunction)(void (*)(void))transpose, METH_FASTCALL,
     "transpose(rows, width) -> one tuple per column of rows that are exact lists/tuples of width items, or None"},
    {"values", (PyCFunction)values, METH_O, "values(maps) -> every dict's values in order, or None"},
    {"numbers", (PyCFunction)numbers, METH_O,
     "numbers(values) -> (all_int, smallest, largest) for exact finite int/float values, or None"},
    {"only", (PyCFunction)(void (*)(void))only, METH_FASTCALL, "only(values, kind) -> every value is exactly of type kind"},
    {"fill_points", (PyCFunction)(void (*)(void))fill_points, METH_FASTCALL,
     "fill_points(src, dst, offset, start, stop) -> (minima, maxima): (N, 6) rows cast into 15-byte PLY records"},
    {"gif_delta", (PyCFunction)(void (*)(void))gif_delta, METH_FASTCALL,
     "gif_delta(idx, prev, out, frame, keep): frames with keep where the index is the frame before's"},
    {"palette_map", (PyCFunction)(void (*)(void))palette_map, METH_FASTCALL,
     "palette_map(frames, out, cells, boxes, palette): nearest-colour indices as Pillow's quantize(palette=...) maps them"},
    {"yuv420", (PyCFunction)(void (*)(void))yuv420, METH_FASTCALL,
     "yuv420(frame, y, y_stride, u, u_stride, v, v_stride): an RGB or grey frame as BT.601 4:2:0 planes"},
    {"deflate_tail", (PyCFunction)deflate_tail, METH_O,
     "deflate_tail(stream) -> (final, end): bit offsets of a raw DEFLATE stream's final flag and end"},
    {"confusion", (PyCFunction)(void (*)(void))confusion, METH_FASTCALL,
     "confusion(y, p, n, out) -> False if an index is outside 0..n-1, else True with the counts added into out"},
    {"rdp", (PyCFunction)(void (*)(void))rdp, METH_FASTCALL,
     "rdp(x, y, tol, limit, keep) -> points kept by Ramer-Douglas-Peucker (marked in keep), -1 over limit, None for non-finite input"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "mediakit._speedups",
    "C column primitives for the compiled schema predicates (see mediakit/_schema_compile.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
