#include <malloc.h>
/* uordblks: in use from the heap; hblkhd: in use from mmap (large blocks). */
#include "CHeapInUse.h"
size_t scales_heap_in_use(void) { struct mallinfo2 info = mallinfo2(); return info.uordblks + info.hblkhd; }
