/* The shingle hashes of duplicates.signature in C: the same values, without a Python step per shingle.
 *
 *   gram_hashes(text, n) -> bytes or None
 *       The CRC-32 (zlib's) of the UTF-8 bytes of every distinct n-character window of `text`, as
 *       native uint32 values sorted by value; one per distinct window (two windows whose hashes
 *       collide both count). None when `text` holds a lone surrogate, which str.encode refuses:
 *       the caller's Python path then raises as it always did.
 *
 * duplicates.py keeps the Python twin (a set of the windows, zlib.crc32 of each) as the fallback
 * where this module cannot be built; tests/indexer/test_duplicates.py holds the two to each other.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
    uint32_t hash;
    uint32_t start;  /* byte offset of the window in the encoded text */
    uint32_t size;   /* its length in bytes */
} Window;

static const unsigned char *encoded;  /* the text being sorted; qsort's comparator has no context */

static int compare(const void *a, const void *b)
{
    const Window *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return memcmp(encoded + x->start, encoded + y->start, x->size);
}

static Py_ssize_t put_utf8(unsigned char *out, Py_UCS4 c)
{
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | (c >> 6));
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (c >> 12));
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (c >> 18));
    out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static PyObject *gram_hashes(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "Un", &text, &n))
        return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be at least 1");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length < n)
        return PyBytes_FromStringAndSize(NULL, 0);
    if (length > 0x3FFFFFFF / 4) {
        PyErr_SetString(PyExc_ValueError, "text too long");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t count = length - n + 1;
    unsigned char *bytes = PyMem_Malloc((size_t)length * 4);
    uint32_t *offsets = PyMem_Malloc(((size_t)length + 1) * sizeof(uint32_t));
    Window *windows = PyMem_Malloc((size_t)count * sizeof(Window));
    if (bytes == NULL || offsets == NULL || windows == NULL) {
        PyMem_Free(bytes);
        PyMem_Free(offsets);
        PyMem_Free(windows);
        return PyErr_NoMemory();
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 0xD800 && c <= 0xDFFF) {
            PyMem_Free(bytes);
            PyMem_Free(offsets);
            PyMem_Free(windows);
            Py_RETURN_NONE;
        }
        offsets[i] = (uint32_t)at;
        at += put_utf8(bytes + at, c);
    }
    offsets[length] = (uint32_t)at;
    for (Py_ssize_t i = 0; i < count; i++) {
        uint32_t start = offsets[i], size = offsets[i + n] - start;
        windows[i].hash = (uint32_t)crc32(0L, bytes + start, size);
        windows[i].start = start;
        windows[i].size = size;
    }
    encoded = bytes;
    qsort(windows, (size_t)count, sizeof(Window), compare);
    Py_ssize_t distinct = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i == 0 || compare(&windows[i - 1], &windows[i]) != 0)
            windows[distinct++] = windows[i];
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, distinct * (Py_ssize_t)sizeof(uint32_t));
    if (out != NULL) {
        uint32_t *values = (uint32_t *)PyBytes_AS_STRING(out);
        for (Py_ssize_t i = 0; i < distinct; i++)
            values[i] = windows[i].hash;
    }
    PyMem_Free(bytes);
    PyMem_Free(offsets);
    PyMem_Free(windows);
    return out;
}

static PyMethodDef methods[] = {
    {"gram_hashes", gram_hashes, METH_VARARGS,
     "CRC-32 of the UTF-8 of every distinct n-character window of a text, as sorted uint32 bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cshingles",
                                    "The shingle hashes of duplicates.signature, compiled.", -1, methods};

PyMODINIT_FUNC PyInit_cshingles(void)
{
    return PyModule_Create(&module);
}
