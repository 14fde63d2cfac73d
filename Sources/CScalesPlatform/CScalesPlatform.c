// Everything is in include/CScalesPlatform.h (static inline); SwiftPM needs a source file.
#include "CScalesPlatform.h"
