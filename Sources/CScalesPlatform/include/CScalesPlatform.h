#ifndef C_SCALES_PLATFORM_H
#define C_SCALES_PLATFORM_H

// The C calls ScalesPlatform needs that Swift's system modules leave out.

#if defined(__linux__)
// glibc and musl declare it only under _GNU_SOURCE, which their Swift module maps do not set
// (and a define here would not reach a header that a module map already built).
extern int sched_getcpu(void);

/// The CPU the calling thread runs on, or -1 if it cannot be told.
static inline int c_scales_current_cpu(void) { return sched_getcpu(); }
#else
/// The CPU the calling thread runs on, or -1 if it cannot be told.
static inline int c_scales_current_cpu(void) { return -1; }
#endif

#endif
