/* The posting writer of internals.py in C: the same bytes, without a Python step per posting.
 *
 * Three functions, each the compiled twin of a Python function in internals.py that stays as the
 * fallback when this module cannot be built:
 *
 *   add_positions(terms, docnum, poses, field_boost, boost) -> (length, size, count)
 *       internals._file_positions: each word's positions encoded as whoosh.formats.Positions
 *       encodes them (pack_uint(count) + the pickled deltas) and filed in `terms` under the word's
 *       UTF-8 bytes as a (docnum, weight, value bytes) posting.
 *
 *   add_tokens(terms, docnum, tagged, wordlike, subword_spans, field_boost, boost) -> (length, size, count)
 *       The same over segment.index_positions' own loop: `tagged` is the text's cut (segment.tagged),
 *       a word is kept when wordlike(word), and a word of three or more characters brings the
 *       sub-words subword_spans(word) gives, at its position.
 *
 *   write_field(items, field_key, column, limit, compression, values, offset,
 *               post_write, table_write, table_pos, lastkey, buckets, hashtype)
 *       -> (offset, table_pos, lastkey, row positions)
 *       _write_postings for one field: each (term bytes, postings) of `items` becomes its blocks
 *       in the postings file (what W3PostingsWriter writes, pickled with protocol 2 as pickle.dumps
 *       writes them) and its row in the term table (OrderedHashWriter.add: the row, its hash (MD5 or
 *       CRC-32, as filetables hashes) in `buckets`, its position returned for the table's index).
 *
 * The pickles are written opcode by opcode as CPython's _pickle writes them for these types, its
 * memo included: a value object met before in the same block is referred back to. A position written
 * once is one shared bytes object, as in the Python writer (share_positions(False) makes each fresh, as
 * Whoosh's own writer does). A block's total weight is summed in order, as sum() does up to Python 3.11 (3.12's sum()
 * compensates, which can move the term info's float32 total by its last bit).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#define BATCHSIZE 1000   /* pickle's batch of list items between MARK and APPENDS */
#define POSITION_CACHE 65536
#define FLUSH_AT (1 << 20)

static PyObject *position_cache[POSITION_CACHE];
static int share_positions = 1;
static long length_table[256];  /* whoosh.util.numeric._length_byte_cache */
static Py_ssize_t length_table_size = 0;
static uint32_t crc_table[256];
static uint32_t md5_k[64];

/* ---- a growable byte buffer ---- */

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} Buf;

static int buf_grow(Buf *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    char *data = PyMem_Realloc(b->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int put(Buf *b, const void *src, Py_ssize_t n)
{
    if (buf_grow(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

static inline int put1(Buf *b, char c)
{
    if (b->len >= b->cap && buf_grow(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

static inline void be32(unsigned char *out, uint32_t v)
{
    out[0] = v >> 24; out[1] = v >> 16; out[2] = v >> 8; out[3] = v;
}

static inline void le32(unsigned char *out, uint32_t v)
{
    out[0] = v; out[1] = v >> 8; out[2] = v >> 16; out[3] = v >> 24;
}

/* struct's "!f": a float32, big-endian */
static inline void be_float(unsigned char *out, double v)
{
    float f = (float)v;
    uint32_t bits;
    memcpy(&bits, &f, 4);
    be32(out, bits);
}

/* ---- pickle protocol 2, as _pickle writes it ---- */

static int pk_int(Buf *b, long long v)
{
    unsigned char op[5];
    if (v >= 0 && v <= 0xff) {
        op[0] = 'K'; op[1] = (unsigned char)v;
        return put(b, op, 2);
    }
    if (v >= 0 && v <= 0xffff) {
        op[0] = 'M'; op[1] = v & 0xff; op[2] = (v >> 8) & 0xff;
        return put(b, op, 3);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        op[0] = 'J'; le32(op + 1, (uint32_t)(int32_t)v);
        return put(b, op, 5);
    }
    PyErr_SetString(PyExc_OverflowError, "cpostings: an integer past 32 bits");
    return -1;
}

static int pk_float(Buf *b, double v)
{
    unsigned char op[9];
    op[0] = 'G';
    if (PyFloat_Pack8(v, (char *)op + 1, 0) < 0)  /* big-endian, as BINFLOAT */
        return -1;
    return put(b, op, 9);
}

/* A number object as pickle saves it: an int or a float. */
static int pk_number(Buf *b, PyObject *v)
{
    if (PyFloat_CheckExact(v))
        return pk_float(b, PyFloat_AS_DOUBLE(v));
    if (PyLong_CheckExact(v)) {
        long long n = PyLong_AsLongLong(v);
        if (n == -1 && PyErr_Occurred())
            return -1;
        return pk_int(b, n);
    }
    PyErr_SetString(PyExc_TypeError, "cpostings: a weight that is neither int nor float");
    return -1;
}

/* A memo opcode with its index: the one-byte form below 256, else the four-byte one */
static int pk_memo_op(Buf *b, char short_op, char long_op, long idx)
{
    unsigned char op[5];
    if (idx < 256) {
        op[0] = short_op; op[1] = (unsigned char)idx;
        return put(b, op, 2);
    }
    op[0] = long_op; le32(op + 1, (uint32_t)idx);
    return put(b, op, 5);
}

/* memo_put: BINPUT or LONG_BINPUT of the next memo index */
static int pk_put(Buf *b, long *memo)
{
    return pk_memo_op(b, 'q', 'r', (*memo)++);
}

/* memo_get: BINGET or LONG_BINGET */
static int pk_get(Buf *b, long idx)
{
    return pk_memo_op(b, 'h', 'j', idx);
}

/* An object written in full and memoized the first time, referred back to after (`*seen` its
   memo index, -1 before) */
static int pk_once(Buf *b, const char *ops, Py_ssize_t n, long *memo, long *seen)
{
    if (*seen >= 0)
        return pk_get(b, *seen);
    if (put(b, ops, n) < 0)
        return -1;
    *seen = *memo;
    return pk_put(b, memo);
}

/* BINUNICODE of `data` read as Latin-1, and its memo entry */
static int pk_latin1(Buf *b, const unsigned char *data, Py_ssize_t n, long *memo)
{
    Py_ssize_t wide = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        wide += data[i] >> 7;
    unsigned char op[5];
    op[0] = 'X'; le32(op + 1, (uint32_t)(n + wide));
    if (put(b, op, 5) < 0 || buf_grow(b, n + wide) < 0)
        return -1;
    unsigned char *out = (unsigned char *)b->data + b->len;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = data[i];
        if (c < 0x80) {
            *out++ = c;
        } else {
            *out++ = 0xc0 | (c >> 6);
            *out++ = 0x80 | (c & 0x3f);
        }
    }
    b->len += n + wide;
    return pk_put(b, memo);
}

/* A bytes object under protocol 2: codecs.encode(<its text as Latin-1>, "latin1"), reduced. */
typedef struct {
    long global, latin1;  /* memo indexes of _codecs.encode and "latin1", -1 before their first use */
} BytesMemo;

static int pk_bytes(Buf *b, const char *data, Py_ssize_t n, long *memo, BytesMemo *seen, long *at)
{
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "cpostings: an empty value");
        return -1;
    }
    if (pk_once(b, "c_codecs\nencode\n", 16, memo, &seen->global) < 0
        || pk_latin1(b, (const unsigned char *)data, n, memo) < 0
        || pk_once(b, "X\x06\x00\x00\x00latin1", 11, memo, &seen->latin1) < 0)
        return -1;
    if (put1(b, '\x86') < 0 || pk_put(b, memo) < 0)  /* TUPLE2: the reduce's arguments */
        return -1;
    if (put1(b, 'R') < 0)
        return -1;
    *at = *memo;
    return pk_put(b, memo);  /* the bytes object itself */
}

/* ---- zlib ---- */

/* zlib.compress(data, level) into `out`, on one deflate stream reset between calls: the same bytes
   (deflateReset leaves the stream as deflateInit made it) without the 256 KB a stream allocates and
   clears, which is most of what compressing a 200-byte block costs (32 us a call). */
static z_stream deflater;
static int deflater_ready = 0, deflater_level = 0;

static int compress_into(Buf *out, const char *data, Py_ssize_t n, int level)
{
    int status;
    if (!deflater_ready || deflater_level != level) {
        if (deflater_ready)
            deflateEnd(&deflater);
        memset(&deflater, 0, sizeof deflater);
        deflater_ready = 0;
        if (deflateInit(&deflater, level) != Z_OK) {
            PyErr_SetString(PyExc_ValueError, "cpostings: deflateInit failed (a compression level outside -1..9?)");
            return -1;
        }
        deflater_ready = 1;
        deflater_level = level;
    } else if (deflateReset(&deflater) != Z_OK) {
        PyErr_SetString(PyExc_RuntimeError, "cpostings: deflateReset failed");
        return -1;
    }
    uLong bound = deflateBound(&deflater, (uLong)n);
    if (buf_grow(out, (Py_ssize_t)bound) < 0)
        return -1;
    deflater.next_in = (Bytef *)data;
    deflater.avail_in = (uInt)n;
    deflater.next_out = (Bytef *)out->data + out->len;
    deflater.avail_out = (uInt)bound;
    status = deflate(&deflater, Z_FINISH);
    if (status != Z_STREAM_END) {
        PyErr_Format(PyExc_RuntimeError, "cpostings: deflate gave %d", status);
        return -1;
    }
    out->len += (Py_ssize_t)(bound - deflater.avail_out);
    return 0;
}

/* ---- shared tables ---- */

static void make_crc_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(const unsigned char *data, Py_ssize_t n)
{
    uint32_t c = 0xffffffffu;
    for (Py_ssize_t i = 0; i < n; i++)
        c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void make_md5_table(void)
{
    for (int i = 0; i < 64; i++)
        md5_k[i] = (uint32_t)floor(fabs(sin(i + 1.0)) * 4294967296.0);
}

static inline uint32_t rotl(uint32_t x, int c)
{
    return (x << c) | (x >> (32 - c));
}

/* The low 32 bits of a key's MD5 as a number: filetables.md5_hash, the term table's hash. */
static int md5_low32(const unsigned char *msg, Py_ssize_t len, uint32_t *out)
{
    static const int shifts[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
    size_t padded = ((size_t)(len + 8) / 64 + 1) * 64;
    unsigned char small[256];
    unsigned char *buf = padded <= sizeof small ? small : PyMem_Malloc(padded);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(buf, 0, padded);
    memcpy(buf, msg, len);
    buf[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        buf[padded - 8 + i] = (unsigned char)(bits >> (8 * i));
    uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    for (size_t chunk = 0; chunk < padded; chunk += 64) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++) {
            const unsigned char *q = buf + chunk + 4 * i;
            w[i] = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        for (int i = 0; i < 64; i++) {
            uint32_t f;
            int g;
            if (i < 16) {
                f = (b & c) | (~b & d); g = i;
            } else if (i < 32) {
                f = (d & b) | (~d & c); g = (5 * i + 1) % 16;
            } else if (i < 48) {
                f = b ^ c ^ d; g = (3 * i + 5) % 16;
            } else {
                f = c ^ (b | ~d); g = (7 * i) % 16;
            }
            uint32_t t = d;
            d = c;
            c = b;
            b = b + rotl(a + f + md5_k[i] + w[g], shifts[(i / 16) * 4 + i % 4]);
            a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    }
    if (buf != small)
        PyMem_Free(buf);
    /* the digest's last four bytes, read big-endian (int(hexdigest, 16) & 0xFFFFFFFF) */
    uint32_t last = h[3];
    *out = (last & 0xff) << 24 | ((last >> 8) & 0xff) << 16 | ((last >> 16) & 0xff) << 8 | last >> 24;
    return 0;
}

/* whoosh.util.numeric.length_to_byte: 0 for no length, else bisect_left over the table */
static int length_to_byte(long length, int has_length)
{
    if (!has_length)
        return 0;
    if (length >= 106374)
        return 255;
    Py_ssize_t lo = 0, hi = length_table_size;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (length_table[mid] < length)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)lo;
}

/* ---- add_positions ---- */

/* pack_uint(len(deltas)) + pickle.dumps(deltas, 2) for a list of position deltas */
static PyObject *encode_positions(PyObject *positions)
{
    Py_ssize_t n = PyList_GET_SIZE(positions);
    Buf b = {NULL, 0, 0};
    unsigned char head[4];
    long memo = 0;
    long long last = 0;
    be32(head, (uint32_t)n);
    if (put(&b, head, 4) < 0 || put(&b, "\x80\x02]", 3) < 0 || pk_put(&b, &memo) < 0)
        goto error;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (n > 1 && i % BATCHSIZE == 0 && put1(&b, '(') < 0)
            goto error;
        long long pos = PyLong_AsLongLong(PyList_GET_ITEM(positions, i));
        if (pos == -1 && PyErr_Occurred())
            goto error;
        if (pk_int(&b, pos - last) < 0)
            goto error;
        last = pos;
        if (n > 1 && (i % BATCHSIZE == BATCHSIZE - 1 || i == n - 1) && put1(&b, 'e') < 0)
            goto error;
    }
    if (n == 1 && put1(&b, 'a') < 0)
        goto error;
    if (put1(&b, '.') < 0)
        goto error;
    PyObject *out = PyBytes_FromStringAndSize(b.data, b.len);
    PyMem_Free(b.data);
    return out;
error:
    PyMem_Free(b.data);
    return NULL;
}

/* One bytes object per position written once, shared, as internals.one_position's cache does. */
static PyObject *one_position(PyObject *positions)
{
    long long pos = PyLong_AsLongLong(PyList_GET_ITEM(positions, 0));
    if (pos == -1 && PyErr_Occurred())
        return NULL;
    if (!share_positions || pos < 0 || pos >= POSITION_CACHE)
        return encode_positions(positions);
    PyObject *found = position_cache[pos];
    if (found == NULL) {
        found = encode_positions(positions);
        if (found == NULL)
            return NULL;
        position_cache[pos] = found;
    }
    Py_INCREF(found);
    return found;
}

/* found[key].append(item), the list made on first sight */
static int append_to(PyObject *found, PyObject *key, PyObject *item)
{
    PyObject *list = PyDict_GetItemWithError(found, key);
    if (list != NULL)
        return PyList_Append(list, item);
    if (PyErr_Occurred())
        return -1;
    list = PyList_New(1);
    if (list == NULL)
        return -1;
    Py_INCREF(item);
    PyList_SET_ITEM(list, 0, item);
    int failed = PyDict_SetItem(found, key, list);
    Py_DECREF(list);
    return failed;
}

/* internals._file_positions: each word's positions encoded and filed in `terms` */
static int file_positions(PyObject *terms, PyObject *docnum, PyObject *poses, double field_boost, double boost,
                          Py_ssize_t *length, Py_ssize_t *size, Py_ssize_t *count)
{
    Py_ssize_t i = 0;
    PyObject *word, *positions;
    while (PyDict_Next(poses, &i, &word, &positions)) {
        if (!PyUnicode_Check(word) || !PyList_CheckExact(positions) || PyList_GET_SIZE(positions) == 0) {
            PyErr_SetString(PyExc_TypeError, "add_positions: {str: [int, ...]} expected");
            return -1;
        }
        Py_ssize_t freq = PyList_GET_SIZE(positions);
        PyObject *encoded = freq == 1 ? one_position(positions) : encode_positions(positions);
        if (encoded == NULL)
            return -1;
        PyObject *tbytes = PyUnicode_AsUTF8String(word);
        if (tbytes == NULL) {
            Py_DECREF(encoded);
            return -1;
        }
        PyObject *weight = PyFloat_FromDouble((double)freq * field_boost * boost);
        PyObject *posting = weight ? PyTuple_Pack(3, docnum, weight, encoded) : NULL;
        Py_XDECREF(weight);
        *size += 2 * PyBytes_GET_SIZE(tbytes) + PyBytes_GET_SIZE(encoded);
        Py_DECREF(encoded);
        if (posting == NULL) {
            Py_DECREF(tbytes);
            return -1;
        }
        int failed = append_to(terms, tbytes, posting);
        Py_DECREF(posting);
        Py_DECREF(tbytes);
        if (failed < 0)
            return -1;
        *length += freq;
        *count += 1;
    }
    return 0;
}

static PyObject *add_positions(PyObject *self, PyObject *args)
{
    PyObject *terms, *docnum, *poses;
    double field_boost, boost;
    if (!PyArg_ParseTuple(args, "O!OO!dd:add_positions", &PyDict_Type, &terms, &docnum, &PyDict_Type, &poses,
                          &field_boost, &boost))
        return NULL;
    Py_ssize_t length = 0, size = 0, count = 0;
    if (file_positions(terms, docnum, poses, field_boost, boost, &length, &size, &count) < 0)
        return NULL;
    return Py_BuildValue("nnn", length, size, count);
}

/* segment.index_positions over tagged words: each word-like word and its sub-words at its position */
static PyObject *positions_of(PyObject *tagged, PyObject *wordlike, PyObject *subwords)
{
    PyObject *poses = PyDict_New();
    if (poses == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    /* wordlike and subword_spans are Python: the list is re-measured and each pair held meanwhile */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tagged); i++) {
        PyObject *pair = PyList_GET_ITEM(tagged, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) < 1 || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0))) {
            PyErr_SetString(PyExc_TypeError, "add_tokens: (word, tag) pairs expected");
            goto error;
        }
        Py_INCREF(pair);
        PyObject *word = PyTuple_GET_ITEM(pair, 0);
        PyObject *like = PyObject_CallOneArg(wordlike, word);
        int keep = like == NULL ? -1 : PyObject_IsTrue(like);
        Py_XDECREF(like);
        if (keep <= 0) {
            Py_DECREF(pair);
            if (keep < 0)
                goto error;
            continue;
        }
        PyObject *at = PyLong_FromSsize_t(pos);
        if (at == NULL) {
            Py_DECREF(pair);
            goto error;
        }
        if (PyUnicode_GET_LENGTH(word) > 2) {
            PyObject *subs = PyObject_CallOneArg(subwords, word);
            if (subs == NULL || !PyTuple_Check(subs)) {
                if (subs != NULL)
                    PyErr_SetString(PyExc_TypeError, "add_tokens: sub-words are a tuple");
                Py_XDECREF(subs);
                Py_DECREF(at);
                Py_DECREF(pair);
                goto error;
            }
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(subs); k++) {
                PyObject *sub = PyTuple_GET_ITEM(subs, k);
                if (!PyTuple_Check(sub) || PyTuple_GET_SIZE(sub) < 1 || append_to(poses, PyTuple_GET_ITEM(sub, 0), at) < 0) {
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_TypeError, "add_tokens: sub-words are (word, start, end)");
                    Py_DECREF(subs);
                    Py_DECREF(at);
                    Py_DECREF(pair);
                    goto error;
                }
            }
            Py_DECREF(subs);
        }
        int failed = append_to(poses, word, at);
        Py_DECREF(at);
        Py_DECREF(pair);
        if (failed < 0)
            goto error;
        pos++;
    }
    return poses;
error:
    Py_DECREF(poses);
    return NULL;
}

static PyObject *add_tokens(PyObject *self, PyObject *args)
{
    PyObject *terms, *docnum, *tagged, *wordlike, *subwords;
    double field_boost, boost;
    if (!PyArg_ParseTuple(args, "O!OO!OOdd:add_tokens", &PyDict_Type, &terms, &docnum, &PyList_Type, &tagged,
                          &wordlike, &subwords, &field_boost, &boost))
        return NULL;
    PyObject *poses = positions_of(tagged, wordlike, subwords);
    if (poses == NULL)
        return NULL;
    Py_ssize_t length = 0, size = 0, count = 0;
    int failed = file_positions(terms, docnum, poses, field_boost, boost, &length, &size, &count);
    Py_DECREF(poses);
    if (failed < 0)
        return NULL;
    return Py_BuildValue("nnn", length, size, count);
}

/* ---- write_field ---- */

typedef struct {
    long docnum;
    double weight;
    float weight32;   /* the weight as array("f") holds it */
    PyObject *weight_obj;
    PyObject *value;  /* borrowed */
} Posting;

/* Only int, float, bytes and None are read, so no Python code runs while a term's postings are held
   as borrowed references (an __index__ or __bool__ could change the list under them). */
static int read_posting(PyObject *item, Posting *p)
{
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 3) {
        PyErr_SetString(PyExc_TypeError, "write_field: postings are (docnum, weight, value) tuples");
        return -1;
    }
    PyObject *docnum = PyTuple_GET_ITEM(item, 0), *weight = PyTuple_GET_ITEM(item, 1), *value = PyTuple_GET_ITEM(item, 2);
    if (!PyLong_CheckExact(docnum) || !(PyFloat_CheckExact(weight) || PyLong_CheckExact(weight))
        || !(value == Py_None || PyBytes_CheckExact(value))) {
        PyErr_SetString(PyExc_TypeError, "write_field: a posting is (int, float or int, bytes or None)");
        return -1;
    }
    p->docnum = PyLong_AsLong(docnum);
    if (p->docnum == -1 && PyErr_Occurred())
        return -1;
    p->weight_obj = PyTuple_GET_ITEM(item, 1);
    p->weight = PyFloat_AsDouble(p->weight_obj);
    if (p->weight == -1.0 && PyErr_Occurred())
        return -1;
    p->weight32 = (float)p->weight;
    p->value = PyTuple_GET_ITEM(item, 2);
    return 0;
}

/* A document's length from the field's length column: 1 and the length, or 0 for none. */
static int column_length(PyObject *column, long docnum, long *length)
{
    if (column == Py_None)
        return 0;
    if (docnum < 0 || docnum >= PyList_GET_SIZE(column)) {
        PyErr_SetString(PyExc_IndexError, "write_field: a document past the length column");
        return -1;
    }
    PyObject *v = PyList_GET_ITEM(column, docnum);
    if (v == Py_None)
        return 0;
    if (!PyLong_CheckExact(v)) {
        PyErr_SetString(PyExc_TypeError, "write_field: a length that is not an int");
        return -1;
    }
    *length = PyLong_AsLong(v);
    if (*length == -1 && PyErr_Occurred())
        return -1;
    return *length ? 1 : 0;
}

/* One term's bytes in the postings file into `out`, its term info (W3TermInfo._struct) into `info`. */
static int term_bytes(Posting *ps, Py_ssize_t count, PyObject *column, Py_ssize_t limit, int compression,
                      int values, Buf *out, unsigned char *info)
{
    int status = -1;
    Buf data = {NULL, 0, 0}, blockinfo = {NULL, 0, 0}, packed = {NULL, 0, 0};
    PyObject **value_objs = PyMem_Malloc(limit * sizeof(PyObject *));
    long *value_memo = PyMem_Malloc(limit * sizeof(long));
    double total_weight = 0.0, maxweight = 0.0;
    int has_min = 0;
    long minlength = 0, maxlength = 0;
    if (value_objs == NULL || value_memo == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (put(out, "W3Bl", 4) < 0)
        goto error;
    for (Py_ssize_t start = 0; start < count; start += limit) {
        Py_ssize_t n = count - start < limit ? count - start : limit;
        Posting *block = ps + start;
        int last = start + limit >= count;
        /* statistics: W3TermInfo.add_block */
        double block_sum = 0.0;
        PyObject *block_max_obj = NULL;
        double block_max_weight = 0.0;
        int block_has_min = 0;
        long block_min = 0, block_max = 0;
        int all_one = 1, all_same = 1;
        for (Py_ssize_t i = 0; i < n; i++) {
            block_sum += (double)block[i].weight32;
            if (block_max_obj == NULL || block[i].weight > block_max_weight) {
                block_max_obj = block[i].weight_obj;
                block_max_weight = block[i].weight;
            }
            if (block[i].weight32 != 1.0f)
                all_one = 0;
            if (block[i].weight32 != block[0].weight32)
                all_same = 0;
            long length;
            int has = column_length(column, block[i].docnum, &length);
            if (has < 0)
                goto error;
            if (has) {
                if (!block_has_min || length < block_min)
                    block_min = length;
                if (length > block_max)
                    block_max = length;
                block_has_min = 1;
            }
        }
        total_weight += block_sum;
        if (block_has_min && (!has_min || block_min < minlength)) {
            minlength = block_min;
            has_min = 1;
        }
        if (block_max > maxlength)
            maxlength = block_max;
        int positive = block_max_weight > 0;  /* max(0, w): the int 0 unless a weight is above it */
        if (positive && block_max_weight > maxweight)
            maxweight = block_max_weight;

        /* pickle.dumps((ids, weights, values), 2) */
        long memo = 0;
        data.len = 0;
        if (put(&data, "\x80\x02", 2) < 0)
            goto error;
        if (n > 3 && put1(&data, '(') < 0)
            goto error;
        long previous = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (pk_int(&data, block[i].docnum - previous) < 0)
                goto error;
            previous = block[i].docnum;
        }
        if (put1(&data, n > 3 ? 't' : (char)(0x84 + n)) < 0 || pk_put(&data, &memo) < 0)
            goto error;
        if (all_one) {
            if (put1(&data, 'N') < 0)
                goto error;
        } else if (all_same) {
            if (pk_float(&data, (double)block[0].weight32) < 0)
                goto error;
        } else {
            if (n > 3 && put1(&data, '(') < 0)
                goto error;
            for (Py_ssize_t i = 0; i < n; i++)
                if (pk_float(&data, (double)block[i].weight32) < 0)
                    goto error;
            if (put1(&data, n > 3 ? 't' : (char)(0x84 + n)) < 0 || pk_put(&data, &memo) < 0)
                goto error;
        }
        if (values) {
            Py_ssize_t m = 0;
            for (Py_ssize_t i = 0; i < n; i++)
                if (block[i].value != Py_None && PyBytes_GET_SIZE(block[i].value) > 0)
                    m++;
            if (m == 0) {
                if (put1(&data, ')') < 0)
                    goto error;
            } else {
                BytesMemo seen = {-1, -1};
                Py_ssize_t written = 0;
                if (m > 3 && put1(&data, '(') < 0)
                    goto error;
                for (Py_ssize_t i = 0; i < n; i++) {
                    PyObject *v = block[i].value;
                    if (v == Py_None || PyBytes_GET_SIZE(v) == 0)
                        continue;
                    /* pickle's memo: an object written before in this pickle is referred back to */
                    Py_ssize_t k = 0;
                    while (k < written && value_objs[k] != v)
                        k++;
                    if (k < written) {
                        if (pk_get(&data, value_memo[k]) < 0)
                            goto error;
                        continue;
                    }
                    if (pk_bytes(&data, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), &memo, &seen, &value_memo[written]) < 0)
                        goto error;
                    value_objs[written++] = v;
                }
                if (put1(&data, m > 3 ? 't' : (char)(0x84 + m)) < 0 || pk_put(&data, &memo) < 0)
                    goto error;
            }
        } else if (put1(&data, 'N') < 0) {
            goto error;
        }
        if (put1(&data, '\x87') < 0 || pk_put(&data, &memo) < 0 || put1(&data, '.') < 0)
            goto error;

        int comp = data.len >= 128 ? compression : 0;  /* internals.COMPRESS_FROM */
        const char *payload = data.data;
        Py_ssize_t payload_len = data.len;
        if (comp) {
            packed.len = 0;
            if (compress_into(&packed, data.data, data.len, comp) < 0)
                goto error;
            payload = packed.data;
            payload_len = packed.len;
        }
        /* pickle.dumps((n, last id, max weight, comp, min length byte, max length byte), 2) */
        long info_memo = 0;
        blockinfo.len = 0;
        if (put(&blockinfo, "\x80\x02(", 3) < 0 || pk_int(&blockinfo, n) < 0
            || pk_int(&blockinfo, block[n - 1].docnum) < 0
            || (positive ? pk_number(&blockinfo, block_max_obj) : pk_int(&blockinfo, 0)) < 0
            || pk_int(&blockinfo, comp) < 0
            || pk_int(&blockinfo, length_to_byte(block_min, block_has_min)) < 0
            || pk_int(&blockinfo, length_to_byte(block_max, block_max != 0)) < 0
            || put1(&blockinfo, 't') < 0 || pk_put(&blockinfo, &info_memo) < 0 || put1(&blockinfo, '.') < 0)
            goto error;
        unsigned char head[4];
        Py_ssize_t blocklength = blockinfo.len + payload_len;
        be32(head, (uint32_t)(int32_t)(last ? -blocklength : blocklength));
        if (put(out, head, 4) < 0 || put(out, blockinfo.data, blockinfo.len) < 0 || put(out, payload, payload_len) < 0)
            goto error;
    }
    /* "!BfIBBfII" */
    info[0] = 0;
    be_float(info + 1, total_weight);
    be32(info + 5, (uint32_t)count);
    info[9] = (unsigned char)length_to_byte(minlength, has_min);
    info[10] = (unsigned char)length_to_byte(maxlength, maxlength != 0);
    be_float(info + 11, maxweight);
    be32(info + 15, (uint32_t)ps[0].docnum);
    be32(info + 19, (uint32_t)ps[count - 1].docnum);
    status = 0;
error:
    PyMem_Free(data.data);
    PyMem_Free(blockinfo.data);
    PyMem_Free(packed.data);
    PyMem_Free(value_objs);
    PyMem_Free(value_memo);
    return status;
}

static int flush(Buf *b, PyObject *write)
{
    if (b->len == 0)
        return 0;
    PyObject *r = PyObject_CallFunction(write, "y#", b->data, b->len);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    b->len = 0;
    return 0;
}

#define INFO_SIZE 23  /* W3TermInfo._struct.size */

static PyObject *write_field(PyObject *self, PyObject *args)
{
    PyObject *items, *field_key, *column, *post_write, *table_write, *lastkey, *buckets;
    Py_ssize_t limit;
    int compression, values, hashtype;
    long long offset, table_pos;
    if (!PyArg_ParseTuple(args, "OO!OnipLOOLO!O!i:write_field", &items, &PyBytes_Type, &field_key, &column, &limit,
                          &compression, &values, &offset, &post_write, &table_write, &table_pos, &PyBytes_Type,
                          &lastkey, &PyList_Type, &buckets, &hashtype))
        return NULL;
    if (hashtype != 0 && hashtype != 1) {
        PyErr_SetString(PyExc_ValueError, "write_field: a term table hashed by MD5 (0) or CRC-32 (1)");
        return NULL;
    }
    if (column != Py_None && !PyList_CheckExact(column)) {
        PyErr_SetString(PyExc_TypeError, "write_field: the length column is a list or None");
        return NULL;
    }
    if (limit < 1 || PyList_GET_SIZE(buckets) != 256) {
        PyErr_SetString(PyExc_ValueError, "write_field: a block limit of 1 or more and 256 buckets");
        return NULL;
    }
    Buf post = {NULL, 0, 0}, table = {NULL, 0, 0}, key = {NULL, 0, 0};
    Posting *ps = NULL;
    Py_ssize_t ps_cap = 0;
    PyObject *rows = PyList_New(0), *iter = PyObject_GetIter(items), *item = NULL;
    PyObject *newkey = NULL, *result = NULL;
    Py_INCREF(lastkey);
    if (rows == NULL || iter == NULL)
        goto error;
    while ((item = PyIter_Next(iter)) != NULL) {
        PyObject *tbytes, *postings;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "write_field: items are (term bytes, postings)");
            goto error;
        }
        tbytes = PyTuple_GET_ITEM(item, 0);
        postings = PyTuple_GET_ITEM(item, 1);
        if (!PyBytes_Check(tbytes) || !PyList_Check(postings)) {
            PyErr_SetString(PyExc_TypeError, "write_field: items are (bytes, list)");
            goto error;
        }
        Py_ssize_t n = PyList_GET_SIZE(postings);
        if (n > ps_cap) {
            ps_cap = n * 2;
            Posting *grown = PyMem_Realloc(ps, ps_cap * sizeof(Posting));
            if (grown == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            ps = grown;
        }
        Py_ssize_t count = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (read_posting(PyList_GET_ITEM(postings, i), &ps[count]) < 0)
                goto error;
            if (ps[count].docnum != -1)  /* FieldWriter.add_postings: spelling words, not postings */
                count++;
        }
        if (count == 0) {
            Py_CLEAR(item);
            continue;
        }
        Py_ssize_t start = post.len;
        unsigned char info[INFO_SIZE + 12];
        if (term_bytes(ps, count, column, limit, compression, values, &post, info) < 0)
            goto error;
        Py_ssize_t datalen = post.len - start;
        uint64_t off = (uint64_t)offset;
        be32(info + INFO_SIZE, (uint32_t)(off >> 32));
        be32(info + INFO_SIZE + 4, (uint32_t)off);
        be32(info + INFO_SIZE + 8, (uint32_t)(int32_t)datalen);
        offset += datalen;
        /* the term table's row: OrderedHashWriter.add */
        key.len = 0;
        if (put(&key, PyBytes_AS_STRING(field_key), PyBytes_GET_SIZE(field_key)) < 0
            || put(&key, PyBytes_AS_STRING(tbytes), PyBytes_GET_SIZE(tbytes)) < 0)
            goto error;
        Py_ssize_t lastlen = PyBytes_GET_SIZE(lastkey);
        int cmp = memcmp(key.data, PyBytes_AS_STRING(lastkey), key.len < lastlen ? key.len : lastlen);
        if (cmp < 0 || (cmp == 0 && key.len <= lastlen)) {
            newkey = PyBytes_FromStringAndSize(key.data, key.len);
            if (newkey != NULL)
                PyErr_Format(PyExc_ValueError, "Keys must increase: %R..%R", lastkey, newkey);
            goto error;
        }
        Py_DECREF(lastkey);
        lastkey = PyBytes_FromStringAndSize(key.data, key.len);
        if (lastkey == NULL)
            goto error;
        unsigned char lengths[8];
        be32(lengths, (uint32_t)key.len);
        be32(lengths + 4, (uint32_t)(INFO_SIZE + 12));
        if (put(&table, lengths, 8) < 0 || put(&table, key.data, key.len) < 0 || put(&table, info, INFO_SIZE + 12) < 0)
            goto error;
        uint32_t h;
        if (hashtype == 1) {
            h = crc32_of((const unsigned char *)key.data, key.len);
        } else if (md5_low32((const unsigned char *)key.data, key.len, &h) < 0) {
            goto error;
        }
        PyObject *pos = PyLong_FromLongLong(table_pos);
        PyObject *entry = pos ? Py_BuildValue("(kO)", (unsigned long)h, pos) : NULL;
        int failed = entry == NULL || PyList_Append(PyList_GET_ITEM(buckets, h & 255), entry) < 0
                     || PyList_Append(rows, pos) < 0;
        Py_XDECREF(entry);
        Py_XDECREF(pos);
        if (failed)
            goto error;
        table_pos += 8 + key.len + INFO_SIZE + 12;
        Py_CLEAR(item);
        if ((post.len >= FLUSH_AT && flush(&post, post_write) < 0) || (table.len >= FLUSH_AT && flush(&table, table_write) < 0))
            goto error;
    }
    if (PyErr_Occurred())
        goto error;
    if (flush(&post, post_write) < 0 || flush(&table, table_write) < 0)
        goto error;
    result = Py_BuildValue("LLOO", offset, table_pos, lastkey, rows);
error:
    Py_XDECREF(item);
    Py_XDECREF(iter);
    Py_XDECREF(rows);
    Py_XDECREF(newkey);
    Py_XDECREF(lastkey);
    PyMem_Free(post.data);
    PyMem_Free(table.data);
    PyMem_Free(key.data);
    PyMem_Free(ps);
    return result;
}

static PyObject *set_sharing(PyObject *self, PyObject *arg)
{
    int flag = PyObject_IsTrue(arg);
    if (flag < 0)
        return NULL;
    int before = share_positions;
    share_positions = flag;
    return PyBool_FromLong(before);
}

static PyMethodDef methods[] = {
    {"share_positions", set_sharing, METH_O,
     "Whether a position written once is one shared bytes object (as internals.one_position's cache); returns the old setting."},
    {"add_positions", add_positions, METH_VARARGS,
     "File one document's positions of a text field in `terms` (internals._TermPool.add_positions)."},
    {"add_tokens", add_tokens, METH_VARARGS,
     "add_positions over segment.index_positions' cut: (word, tag) pairs, wordlike(word), sub-word spans."},
    {"write_field", write_field, METH_VARARGS,
     "Write one field's terms: postings blocks and term table rows (internals._write_postings)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cpostings", "The posting writer of internals.py, compiled.",
                                    -1, methods};

PyMODINIT_FUNC PyInit_cpostings(void)
{
    PyObject *numeric = PyImport_ImportModule("whoosh.util.numeric");
    if (numeric == NULL)
        return NULL;
    PyObject *table = PyObject_GetAttrString(numeric, "_length_byte_cache");
    Py_DECREF(numeric);
    if (table == NULL)
        return NULL;
    PyObject *seq = PySequence_Fast(table, "_length_byte_cache is not a sequence");
    Py_DECREF(table);
    if (seq == NULL)
        return NULL;
    length_table_size = PySequence_Fast_GET_SIZE(seq);
    if (length_table_size > 256) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ImportError, "cpostings: an unexpected length table");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < length_table_size; i++) {
        length_table[i] = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (length_table[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    make_crc_table();
    make_md5_table();
    return PyModule_Create(&module);
}
