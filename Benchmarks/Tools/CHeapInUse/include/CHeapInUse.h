#include <stddef.h>
/// Bytes the allocator has handed out and not had back, heap and mmap (glibc mallinfo2).
size_t scales_heap_in_use(void);
