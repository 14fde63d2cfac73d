// The system's zlib (zlib1g-dev on Debian/Ubuntu; part of macOS), for gzip responses of the
// status page. deflateInit2 and inflateInit2 are macros, which Swift cannot call: the inline
// functions below are the entry points.
#ifndef CSCALES_ZLIB_SHIM_H
#define CSCALES_ZLIB_SHIM_H

#include <zlib.h>

/// deflateInit2 with a gzip wrapper (window bits 15 + 16), zlib's default memory level and strategy.
static inline int cscales_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 that reads a gzip wrapper (window bits 15 + 16).
static inline int cscales_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
